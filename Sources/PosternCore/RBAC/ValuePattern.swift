import Foundation

/// One value of a label selector, `db_users` or `db_names` entry, compiled once.
/// Teleport's rule: `^…$` is a full regular expression, anything else a glob where only `*` is special.
/// Matching is case-sensitive and anchored.
public struct ValuePattern: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented thread-safe.
    private let regex: NSRegularExpression?
    private let literal: String
    public let source: String

    public init(_ expression: String) throws(PatternError) {
        source = expression
        if expression.hasPrefix("^") && expression.hasSuffix("$") {
            do {
                regex = try NSRegularExpression(pattern: expression)
            } catch {
                throw PatternError(expression: expression)
            }
            literal = ""
        } else if expression.contains("*") {
            let body = expression.split(separator: "*", omittingEmptySubsequences: false)
                .map { NSRegularExpression.escapedPattern(for: String($0)) }
                .joined(separator: ".*")
            do {
                // \A…\z: a glob never matches across a trailing newline.
                regex = try NSRegularExpression(pattern: "\\A" + body + "\\z", options: [.dotMatchesLineSeparators])
            } catch {
                throw PatternError(expression: expression)
            }
            literal = ""
        } else {
            regex = nil
            literal = expression
        }
    }

    /// Matches exactly this string, whatever characters it holds.
    public init(literal: String) {
        source = literal
        regex = nil
        self.literal = literal
    }

    public func matches(_ value: String) -> Bool {
        guard let regex else { return value == literal }
        let range = NSRange(value.startIndex..<value.endIndex, in: value)
        return regex.firstMatch(in: value, options: [], range: range) != nil
    }
}

public struct PatternError: Error, Equatable, Sendable, CustomStringConvertible {
    public var expression: String
    public var description: String { "invalid regular expression \(quoted(expression))" }
}

/// Quotes a value for messages, escaping what a terminal would interpret.
func quoted(_ s: String) -> String {
    "\"" + TextSanitizer.escape(s) + "\""
}

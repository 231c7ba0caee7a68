import Foundation

/// One value of a label selector, `db_users` or `db_names` entry, compiled once.
/// Teleport's rule: `^…$` is a full regular expression, anything else a glob where only `*` is special.
/// Matching is case-sensitive and anchored.
public struct ValuePattern: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented thread-safe.
    private let regex: NSRegularExpression?
    private let literal: String
    private let matchesAnything: Bool
    public let source: String

    /// Go's regexp semantics as near as ICU allows: `.` and `$` know only `\n` as a line end.
    static let regexOptions: NSRegularExpression.Options = [.useUnixLineSeparators]

    public init(_ expression: String) throws(PatternError) {
        source = expression
        matchesAnything = expression == LabelSelector.wildcard
        if expression.hasPrefix("^") && expression.hasSuffix("$") {
            do {
                regex = try NSRegularExpression(pattern: expression, options: Self.regexOptions)
            } catch {
                throw PatternError(expression: expression)
            }
            literal = ""
        } else if expression.contains("*") {
            // Teleport's GlobToRegexp turns `*` into Go's `(.*)`, and Go's `.` never matches `\n`.
            let body = expression.split(separator: "*", omittingEmptySubsequences: false)
                .map { NSRegularExpression.escapedPattern(for: String($0)) }
                .joined(separator: "[^\\n]*")
            do {
                // \A…\z: Go's `^…$` without the multi-line flag.
                regex = try NSRegularExpression(pattern: "\\A" + body + "\\z", options: Self.regexOptions)
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
        matchesAnything = false
        self.literal = literal
    }

    public func matches(_ value: String) -> Bool {
        // A lone `*` (db_users, db_names) is compared as Teleport does: it matches any value at all.
        if matchesAnything { return true }
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

import Foundation

/// One value of a label selector, `db_users` or `db_names` entry, compiled once.
/// Teleport's rule: `^…$` is a full regular expression, anything else a glob where only `*` is special.
/// Matching is case-sensitive and anchored.
public struct ValuePattern: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented thread-safe.
    private let regex: NSRegularExpression?
    /// A glob's parts between its stars (nil: not a glob).
    private let glob: [[Unicode.Scalar]]?
    private let literal: String
    private let matchesAnything: Bool
    public let source: String

    /// Go's regexp semantics as near as ICU allows: `.` and `$` know only `\n` as a line end.
    static let regexOptions: NSRegularExpression.Options = [.useUnixLineSeparators]

    public init(_ expression: String) throws(PatternError) {
        source = expression
        matchesAnything = expression == LabelSelector.wildcard
        literal = expression
        if Self.isRegex(expression) {
            do {
                regex = try NSRegularExpression(pattern: expression, options: Self.regexOptions)
            } catch {
                throw PatternError(expression: expression)
            }
            glob = nil
        } else if expression.unicodeScalars.contains("*") {
            // Matched here, not as the regular expression Teleport's GlobToRegexp makes of it: ICU
            // backtracks, and a value run against a few stars in a row took seconds (found by
            // fuzzing the config). Same meaning: `*` is Go's `(.*)`, whose `.` never matches `\n`.
            regex = nil
            glob = expression.unicodeScalars.split(separator: "*", omittingEmptySubsequences: false).map(Array.init)
        } else {
            regex = nil
            glob = nil
        }
    }

    /// `^…$` by scalar: a combining mark after the `^` leaves it a regular expression.
    static func isRegex(_ expression: String) -> Bool {
        expression.unicodeScalars.first == "^" && expression.unicodeScalars.last == "$"
    }

    /// Matches exactly this string, whatever characters it holds.
    public init(literal: String) {
        source = literal
        regex = nil
        glob = nil
        matchesAnything = false
        self.literal = literal
    }

    public func matches(_ value: String) -> Bool {
        // A lone `*` (db_users, db_names) is compared as Teleport does: it matches any value at all.
        if matchesAnything { return true }
        if let glob { return Self.globMatches(glob, Array(value.unicodeScalars)) }
        // Bytes, as Teleport compares: String's `==` would take a decomposed é for a composed one,
        // and the server takes them for two different names.
        guard let regex else { return value.utf8.elementsEqual(literal.utf8) }
        let range = NSRange(value.startIndex..<value.endIndex, in: value)
        return regex.firstMatch(in: value, options: [], range: range) != nil
    }

    /// Whether `value` is the parts in order with anything but a newline between them (anchored at
    /// both ends). Time is parts' length × value's length whatever they hold: a row of `reach`
    /// flags per part, where `reach[j]` says the pattern so far can end after `j` scalars.
    static func globMatches(_ parts: [[Unicode.Scalar]], _ value: [Unicode.Scalar]) -> Bool {
        let n = value.count
        var reach = [Bool](repeating: false, count: n + 1)
        reach[0] = true
        for (k, part) in parts.enumerated() {
            if k > 0, n > 0 {
                // The star before this part: anything without a newline may follow a reachable end.
                for j in 1...n where !reach[j] && reach[j - 1] && value[j - 1] != "\n" { reach[j] = true }
            }
            // The part itself, literally, from each reachable end.
            for c in part {
                for j in stride(from: n, through: 1, by: -1) { reach[j] = reach[j - 1] && value[j - 1] == c }
                reach[0] = false
            }
        }
        return reach[n]
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

import Foundation

/// A parsed filter line. Grammar (what `/` opens):
///
/// - empty: every database;
/// - `!…`: everything the rest does not match;
/// - `^…`: a regular expression (case-insensitive; `^` and `$` anchor at each field: name,
///   description, one `k=v` label per line);
/// - otherwise comma-separated terms, all of which must match: `key=value`, `key!=value`,
///   `key=~regex`, `key!~regex` select by label (case-sensitive; `!=`/`!~` also match a database
///   without the key), and any other term is a case-insensitive substring of the name, description
///   or a `k=v` label.
///
/// A regular expression that runs out of its budget on a row (see BoundedRegex) does not match it.
public struct FilterQuery: Equatable, Sendable {
    public enum LabelOperator: String, Sendable {
        case equals = "="
        case notEquals = "!="
        case matches = "=~"
        case notMatches = "!~"
    }

    public enum Term: Equatable, Sendable {
        /// A lower-cased substring.
        case text(String)
        case label(key: String, op: LabelOperator, value: String, regex: Pattern?)

        /// Every row matching `self` matches `other`: lets a longer query filter the last result.
        func implies(_ other: Term) -> Bool {
            switch (self, other) {
            case (.text(let a), .text(let b)): return a.contains(b)
            default: return self == other
            }
        }
    }

    public enum Body: Equatable, Sendable {
        case all
        case terms([Term])
        case regex(Pattern)
    }

    public var inverted: Bool
    public var body: Body

    public init(inverted: Bool = false, body: Body = .all) {
        self.inverted = inverted
        self.body = body
    }

    public static let all = FilterQuery()
    public var matchesEverything: Bool { !inverted && body == .all }

    /// A compiled regular expression, compared by its source.
    public struct Pattern: Equatable, Sendable {
        public let source: String
        let regex: BoundedRegex
        /// What the source says for sure about matches (for filtering without the regex engine).
        let literals: RegexLiterals

        init(_ source: String, options: NSRegularExpression.Options) throws(FilterError) {
            guard !source.isEmpty else { throw FilterError("empty regular expression") }
            do {
                regex = try BoundedRegex(source, options: options)
            } catch {
                throw FilterError("invalid regular expression \(Self.quote(source))")
            }
            self.source = source
            literals = RegexLiterals(source)
        }

        /// A match that runs out of budget (see BoundedRegex) counts as none, and adds one to
        /// `tooCostly` so the filter line can say some rows were not checked.
        func matches(_ s: String, tooCostly: inout Int) -> Bool {
            guard let found = regex.firstMatch(in: s) else {
                tooCostly += 1
                return false
            }
            return found
        }

        func matches(_ s: String) -> Bool {
            var ignored = 0
            return matches(s, tooCostly: &ignored)
        }

        static func quote(_ s: String) -> String { "\"" + s + "\"" }
        public static func == (a: Pattern, b: Pattern) -> Bool { a.source == b.source }
    }
}

public struct FilterError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = message }
}

import Foundation

/// A regular expression whose every match is given up after a fixed amount of ICU's work, so a
/// pathological pattern (`(a+)+$` on a long name, `^+?` looping on a zero-width assertion) cannot
/// freeze the console while the operator types. The bound is counted in ICU's steps, not time: a
/// row gets the same answer whatever the machine's load (the indexed filter and a row-by-row check
/// must agree, and rows must not come and go with the load).
///
/// `enumerateMatches` with `.reportProgress` calls the block (no result, `.progress`) from ICU's
/// match callback, about every 10,000 backtracking states, and `stop` aborts the match. Foundation
/// also calls it, identically, each time the search moves to the next start position: once a
/// character, so a budget on the plain search would cut long rows or allow a long row a long
/// match. So the pattern is compiled as `[\s\S]*?(?:source)` and tried `.anchored` at the start
/// only: the lazy prefix tries every start position in order (a match exactly when the source
/// matches somewhere), and an anchored search ends at the next position without calling the block.
struct BoundedRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented thread-safe.
    private let regex: NSRegularExpression
    /// `regex` is the wrapped form. The plain form serves sources that would swallow the wrapper's
    /// `)` (an unterminated `\Q`, a `#` comment under `(?x)`): the wrapped form does not compile.
    private let anchored: Bool

    /// Progress calls a match may take (each about 10,000 backtracking states): 2–3 ms of a
    /// pathological match here; ordinary patterns take none on rows of a few hundred characters.
    static let budget = 10

    init(_ source: String, options: NSRegularExpression.Options) throws {
        let plain = try NSRegularExpression(pattern: source, options: options)
        let wrappable = options.isDisjoint(with: [.ignoreMetacharacters, .allowCommentsAndWhitespace])
        if wrappable, let wrapped = try? NSRegularExpression(pattern: "[\\s\\S]*?(?:" + source + ")", options: options) {
            regex = wrapped
            anchored = true
        } else {
            regex = plain
            anchored = false
        }
    }

    /// Whether the pattern matches somewhere in `s`; nil when the match ran out of budget.
    func firstMatch(in s: String) -> Bool? {
        let range = NSRange(s.startIndex..<s.endIndex, in: s)
        // The lazy prefix takes a state a character, and the plain search a call a start position:
        // neither makes a long row over budget by its length alone.
        let allowed = Self.budget + (anchored ? range.length / 5000 : range.length + 1)
        var calls = 0
        var found: Bool? = false
        regex.enumerateMatches(in: s, options: anchored ? [.reportProgress, .anchored] : .reportProgress,
                               range: range) { result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
            } else {
                calls += 1
                if calls > allowed {
                    found = nil
                    stop.pointee = true
                }
            }
        }
        return found
    }
}

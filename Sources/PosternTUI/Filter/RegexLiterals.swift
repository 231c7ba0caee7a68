/// What the text of a filter's regular expression says for sure about what it matches, read
/// conservatively (as grep reads its "must" strings): a regex typed key by key is mostly literal
/// (`^search-d`), and a literal is a byte search over the index instead of the regex engine on
/// every row. Any construct not understood gives up (`required` and `exact` nil): never a wrong
/// answer, at worst no speed-up.
///
/// The literals are ASCII and lower-cased: on ASCII text, ICU's case-insensitive match of ASCII
/// characters is ASCII case folding, so the index (lower-cased) finds exactly the same rows. Rows
/// with other characters are left to the regex engine by the caller.
struct RegexLiterals: Equatable {
    /// The whole pattern is `^literal` or `^literal$`: a field starts with (or is) `text`.
    struct Exact: Equatable {
        let text: [UInt8]
        let wholeField: Bool
    }

    var exact: Exact?
    /// Runs of characters every match contains, longest first.
    var required: [[UInt8]] = []

    init(_ pattern: String) {
        let s = Array(pattern.unicodeScalars)
        // Inline options ((?x) makes spaces insignificant, (?i) …) and alternation change what a
        // literal means: not analysed. Looked for scalar by scalar, as ICU reads the pattern: a
        // String search compares whole characters, and `|` followed by a combining mark is a
        // character that is not `|` (the fuzzer's `^.|̇l` was read as one literal run).
        guard !s.contains("|"), !zip(s, s.dropFirst()).contains(where: { $0 == "(" && $1 == "?" }) else { return }
        var runs: [[UInt8]] = []
        var run: [UInt8] = []
        var pure = true
        var wholeField = false
        var i = 0
        if s.first == "^" { i = 1 } else { pure = false }
        func endRun() {
            if !run.isEmpty { runs.append(run) }
            run = []
        }
        var lastAtomLiteral = false
        /// The atom just read may repeat zero times: it is not required.
        func optionalPrevious() {
            if lastAtomLiteral, !run.isEmpty { run.removeLast() }
            nonLiteral()
        }
        /// Anything but a plain character ends the run and makes the pattern more than a literal.
        func nonLiteral() {
            endRun()
            pure = false
            lastAtomLiteral = false
        }
        func literal(_ c: Unicode.Scalar) {
            run.append(Self.lower(c))
            lastAtomLiteral = true
        }
        while i < s.count {
            let c = s[i]
            switch c {
            case "\\":
                guard i + 1 < s.count else { return }
                let n = s[i + 1]
                // \d, \w, \b, \Q, back-references, non-ASCII: not a plain character.
                if n.isASCII, !Self.isWordCharacter(n) { literal(n) } else { nonLiteral() }
                i += 2
                continue
            case "*", "?":
                optionalPrevious()
            case "{":
                optionalPrevious()
                guard let close = s[i...].firstIndex(of: "}") else { return }
                i = close
            case "+":
                nonLiteral()
            case "$" where i == s.count - 1:
                wholeField = true
            case "[":
                guard let close = Self.bracketEnd(s, from: i) else { return }
                nonLiteral()
                i = close
            case "(":
                guard let close = Self.groupEnd(s, from: i) else { return }
                nonLiteral()
                i = close
            case ".", "^", "$", ")", "]", "}":
                nonLiteral()
            default:
                if c.isASCII, c.value >= 0x20 { literal(c) } else { nonLiteral() }
            }
            i += 1
        }
        endRun()
        if pure, runs.count == 1 { exact = Exact(text: runs[0], wholeField: wholeField) }
        if pure, runs.isEmpty, !wholeField { exact = Exact(text: [], wholeField: false) }  // `^`: every row
        required = runs.sorted { $0.count > $1.count }
    }

    private static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
    }

    private static func lower(_ c: Unicode.Scalar) -> UInt8 {
        let b = UInt8(truncatingIfNeeded: c.value)
        return b >= 65 && b <= 90 ? b + 32 : b
    }

    /// Index of the `]` closing the class opened at `start` (a `]` first in the class is literal).
    private static func bracketEnd(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        var i = start + 1
        if i < s.count, s[i] == "^" { i += 1 }
        if i < s.count, s[i] == "]" { i += 1 }
        while i < s.count {
            if s[i] == "\\" { i += 2; continue }
            if s[i] == "[" { return nil }  // nested classes and [:alpha:]: not analysed
            if s[i] == "]" { return i }
            i += 1
        }
        return nil
    }

    /// Index of the `)` closing the group opened at `start`.
    private static func groupEnd(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        var depth = 0
        var i = start
        while i < s.count {
            switch s[i] {
            case "\\": i += 1
            case "[":
                guard let close = bracketEnd(s, from: i) else { return nil }
                i = close
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return i }
            default: break
            }
            i += 1
        }
        return nil
    }
}

/// Walks SQL the way PostgreSQL's lexer does (comments, quoted identifiers, string and dollar-quoted
/// literals) so that only a literal that really follows the PASSWORD keyword is masked, and a
/// `password` inside a comment or an identifier is left alone.
struct SQLSecretScanner {
    let s: [UInt8]
    var out: [UInt8] = []
    var i = 0

    init(_ bytes: [UInt8]) {
        s = bytes
        out.reserveCapacity(bytes.count)
    }

    static let maskedLiteral = Array("'***'".utf8)

    mutating func redacted() -> [UInt8] {
        while i < s.count {
            if let end = commentEnd(at: i) {
                copy(to: end)
            } else if let lit = literal(at: i) {
                out += maskConnectionSecrets(Array(s[i..<lit.end]))
                i = lit.end
            } else if s[i] == 34 { // "identifier"
                copy(to: quotedEnd(from: i + 1, quote: 34, backslash: false))
            } else if isIdentStart(s[i]) {
                let start = i
                var end = i
                while end < s.count, isIdentPart(s[end]) { end += 1 }
                copy(to: end)
                if isPasswordKeyword(start, end) { maskFollowingLiteral() }
            } else {
                copy(to: i + 1)
            }
        }
        return out
    }

    /// After PASSWORD: skip blanks and comments; if a literal comes next, emit the mask instead.
    mutating func maskFollowingLiteral() {
        var j = i
        while j < s.count {
            if isSpace(s[j]) { j += 1; continue }
            if let end = commentEnd(at: j) { j = end; continue }
            break
        }
        guard j < s.count, let lit = literal(at: j) else { return }
        copy(to: j)
        out += Self.maskedLiteral
        i = lit.end
    }

    mutating func copy(to end: Int) {
        let e = min(end, s.count)
        if e > i { out += s[i..<e] }
        i = e
    }

    func isPasswordKeyword(_ a: Int, _ b: Int) -> Bool {
        let word: [UInt8] = Array("password".utf8)
        guard b - a == word.count else { return false }
        for k in 0..<word.count where s[a + k] | 0x20 != word[k] { return false }
        return true
    }

    /// The end of a `--` or (nested) `/* */` comment starting at `j`.
    func commentEnd(at j: Int) -> Int? {
        guard j + 1 < s.count else { return nil }
        if s[j] == 45, s[j + 1] == 45 {
            var k = j + 2
            while k < s.count, s[k] != 10 { k += 1 }
            return k
        }
        guard s[j] == 47, s[j + 1] == 42 else { return nil }
        var depth = 1
        var k = j + 2
        while k < s.count, depth > 0 {
            if k + 1 < s.count, s[k] == 47, s[k + 1] == 42 { depth += 1; k += 2 }
            else if k + 1 < s.count, s[k] == 42, s[k + 1] == 47 { depth -= 1; k += 2 }
            else { k += 1 }
        }
        return k
    }

    /// A string literal at `j`: '…', E'…' (backslash escapes), U&'…', N'…', B'…', X'…', or $tag$…$tag$.
    func literal(at j: Int) -> (start: Int, end: Int)? {
        guard j < s.count else { return nil }
        let c = s[j] | 0x20
        if s[j] == 39 { return (j, quotedEnd(from: j + 1, quote: 39, backslash: false)) }
        if j + 1 < s.count, s[j + 1] == 39, c == 101 { return (j, quotedEnd(from: j + 2, quote: 39, backslash: true)) }
        if j + 1 < s.count, s[j + 1] == 39, c == 110 || c == 98 || c == 120 {
            return (j, quotedEnd(from: j + 2, quote: 39, backslash: false))
        }
        if j + 2 < s.count, c == 117, s[j + 1] == 38, s[j + 2] == 39 {
            return (j, quotedEnd(from: j + 3, quote: 39, backslash: false))
        }
        if s[j] == 36, j > 0, isIdentPart(s[j - 1]) { return nil } // `a$b$` is an identifier, not a quote
        if s[j] == 36 { return dollarQuoted(at: j) }
        return nil
    }

    /// The end of a quoted run whose opening quote is before `from`; a doubled quote is an escaped one.
    func quotedEnd(from: Int, quote: UInt8, backslash: Bool) -> Int {
        var k = from
        while k < s.count {
            if backslash, s[k] == 92 { k += 2; continue }
            if s[k] == quote {
                if k + 1 < s.count, s[k + 1] == quote { k += 2; continue }
                return k + 1
            }
            k += 1
        }
        return s.count
    }

    func dollarQuoted(at j: Int) -> (start: Int, end: Int)? {
        var k = j + 1
        if k < s.count, s[k] >= 48, s[k] <= 57 { return nil } // $1 is a parameter
        while k < s.count, s[k] != 36 {
            guard isIdentPart(s[k]), s[k] != 36 else { return nil }
            k += 1
        }
        guard k < s.count else { return nil }
        let tag = Array(s[j...k])
        var m = k + 1
        while m + tag.count <= s.count {
            if s[m] == 36, Array(s[m..<m + tag.count]) == tag { return (j, m + tag.count) }
            m += 1
        }
        return (j, s.count)
    }

    /// In a literal holding a connection string: `password=value` and `scheme://user:secret@`.
    func maskConnectionSecrets(_ lit: [UInt8]) -> [UInt8] {
        var r: [UInt8] = []
        r.reserveCapacity(lit.count)
        var k = 0
        let key: [UInt8] = Array("password".utf8)
        while k < lit.count {
            if k + key.count < lit.count, (k == 0 || !isIdentPart(lit[k - 1])),
               (0..<key.count).allSatisfy({ lit[k + $0] | 0x20 == key[$0] }) {
                var v = k + key.count
                while v < lit.count, lit[v] == 32 { v += 1 }
                if v < lit.count, lit[v] == 61 { // '='
                    v += 1
                    while v < lit.count, lit[v] == 32 { v += 1 }
                    var e = v
                    if v + 1 < lit.count, lit[v] == 39, lit[v + 1] == 39 { // password=''quoted value''
                        e = v + 2
                        while e + 1 < lit.count, !(lit[e] == 39 && lit[e + 1] == 39) { e += 1 }
                        e = min(e + 2, lit.count)
                    } else {
                        while e < lit.count, !isSpace(lit[e]), lit[e] != 39, lit[e] != 38, lit[e] != 59 { e += 1 }
                    }
                    r += lit[k..<v]
                    r += Array(AuditRedaction.mask.utf8)
                    k = e
                    continue
                }
            }
            if k + 3 < lit.count, lit[k] == 58, lit[k + 1] == 47, lit[k + 2] == 47, let (colon, at) = userinfo(lit, k + 3) {
                r += lit[k...colon]
                r += Array(AuditRedaction.mask.utf8)
                k = at
                continue
            }
            r.append(lit[k])
            k += 1
        }
        return r
    }

    /// In `user:secret@host` after `://`: the positions of the `:` and the `@`.
    func userinfo(_ lit: [UInt8], _ from: Int) -> (Int, Int)? {
        var colon: Int?
        var k = from
        while k < lit.count, lit[k] != 47, lit[k] != 39, !isSpace(lit[k]) {
            if lit[k] == 58, colon == nil { colon = k }
            if lit[k] == 64 { return colon.map { ($0, k) } }
            k += 1
        }
        return nil
    }

    func isIdentStart(_ c: UInt8) -> Bool { (c | 0x20 >= 97 && c | 0x20 <= 122) || c == 95 || c >= 0x80 }
    func isIdentPart(_ c: UInt8) -> Bool { isIdentStart(c) || (c >= 48 && c <= 57) || c == 36 }
    func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }
}

import Foundation

/// Recursive-descent parser for the part between `{{` and `}}`.
struct ExpressionParser {
    var text: Substring
    let value: String

    init(text: String, value: String) {
        self.text = Substring(text)
        self.value = value
    }

    mutating func parseAll() throws(TemplateError) -> TraitTemplate.Expression {
        let e = try parseExpression()
        skipSpaces()
        guard text.isEmpty else { throw fail("unexpected \(quoted(String(text)))") }
        return e
    }

    private func fail(_ reason: String) -> TemplateError { TemplateError(value: value, reason: reason) }

    private mutating func skipSpaces() { text = text.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) }

    /// A Go identifier: a letter or `_`, then letters, digits or `_`.
    private mutating func identifier() -> String {
        skipSpaces()
        guard let first = text.first, first.isLetter || first == "_" else { return "" }
        let id = text.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
        text = text.dropFirst(id.count)
        return String(id)
    }

    private mutating func expect(_ c: Character) throws(TemplateError) {
        skipSpaces()
        guard text.first == c else { throw fail("expected \"\(c)\"") }
        text = text.dropFirst()
    }

    /// A Go string literal: interpreted (`"…"`, Go escapes; an unknown escape such as `\d` is an
    /// error, write `\\d`) or raw (`` `…` ``).
    private mutating func stringLiteral() throws(TemplateError) -> String {
        skipSpaces()
        if text.first == "`" {
            text = text.dropFirst()
            guard let close = text.firstIndex(of: "`") else { throw fail("unterminated string") }
            let s = String(text[..<close]).replacingOccurrences(of: "\r", with: "")
            text = text[text.index(after: close)...]
            return s
        }
        guard text.first == "\"" else { throw fail("expected a quoted string") }
        text = text.dropFirst()
        var out = ""
        while let c = text.popFirst() {
            switch c {
            case "\"": return out
            case "\n", "\r\n": throw fail("newline in string")
            case "\\": out.unicodeScalars.append(try escape())
            default: out.append(c)
            }
        }
        throw fail("unterminated string")
    }

    private mutating func escape() throws(TemplateError) -> Unicode.Scalar {
        guard let c = text.popFirst() else { throw fail("unterminated string") }
        let simple: [Character: Unicode.Scalar] = [
            "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}", "n": "\n", "r": "\r", "t": "\t", "v": "\u{0B}",
            "\\": "\\", "\"": "\"",
        ]
        if let s = simple[c] { return s }
        let digits: Int, radix: Int
        var prefix = ""
        switch c {
        case "x": (digits, radix) = (2, 16)
        case "u": (digits, radix) = (4, 16)
        case "U": (digits, radix) = (8, 16)
        case "0"..."7": (digits, radix, prefix) = (2, 8, String(c))
        default: throw fail("unknown escape sequence \"\\\(c)\" (write \"\\\\\(c)\")")
        }
        let more = text.prefix(digits)
        guard more.count == digits, let n = UInt32(prefix + more, radix: radix) else {
            throw fail("invalid escape sequence")
        }
        text = text.dropFirst(digits)
        // Go's \x and octal escapes are bytes; only ASCII ones are meaningful in a UTF-8 string here.
        if c == "x" || radix == 8, n >= 0x80 { throw fail("non-ASCII byte escape is not supported") }
        guard let scalar = Unicode.Scalar(n) else { throw fail("invalid Unicode code point in escape") }
        return scalar
    }

    mutating func parseExpression() throws(TemplateError) -> TraitTemplate.Expression {
        let namespace = identifier()
        guard !namespace.isEmpty else { throw fail("expected a trait or function") }
        skipSpaces()
        if text.first == "[" {
            text = text.dropFirst()
            let name = try stringLiteral()
            try expect("]")
            return try variable(namespace, name)
        }
        try expect(".")
        let name = identifier()
        guard !name.isEmpty else { throw fail("expected a name after \"\(namespace).\"") }
        skipSpaces()
        guard text.first == "(" else { return try variable(namespace, name) }
        text = text.dropFirst()
        switch (namespace, name) {
        case ("email", "local"):
            let inner = try parseExpression()
            try expect(")")
            return .emailLocal(inner)
        case ("regexp", "replace"):
            let inner = try parseExpression()
            try expect(",")
            let pattern = try stringLiteral()
            try expect(",")
            let replacement = try stringLiteral()
            try expect(")")
            guard let re = try? ValueRegex(pattern: pattern) else {
                throw fail("invalid regular expression \(quoted(pattern))")
            }
            return .regexpReplace(inner, re, replacement)
        default:
            throw fail("unsupported function \(namespace).\(name)")
        }
    }

    private func variable(_ namespace: String, _ name: String) throws(TemplateError) -> TraitTemplate.Expression {
        switch namespace {
        case "external": break
        case "internal":
            guard TraitTemplate.internalTraits.contains(name) else { throw fail("unsupported internal trait \(quoted(name))") }
        default: throw fail("unsupported namespace \(quoted(namespace)); use internal or external")
        }
        return .variable(namespace: namespace, name: name)
    }
}

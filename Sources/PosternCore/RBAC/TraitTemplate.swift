import Foundation

/// A role value with a trait template: `prefix{{expression}}suffix`, as Teleport's roles allow.
/// Expressions: `internal.X`, `external.X`, `external["X"]`, `email.local(E)`,
/// `regexp.replace(E, "re", "replacement")`. String literals are Go's (`"…"` with Go escapes, or `` `…` ``).
public struct TraitTemplate: Sendable {
    indirect enum Expression: Sendable {
        case variable(namespace: String, name: String)
        case emailLocal(Expression)
        case regexpReplace(Expression, ValueRegex, String)
    }

    let prefix: String
    let suffix: String
    let expression: Expression

    /// Internal traits Teleport's `ApplyValueTraits` accepts; any other `internal.X` is a config error.
    static let internalTraits: Set<String> = [
        "logins", "windows_logins", "kubernetes_groups", "kubernetes_users", "db_names", "db_users",
        "db_roles", "aws_role_arns", "azure_identities", "gcp_service_accounts", "jwt", "github_orgs",
    ]

    /// Parses `value`; nil when it holds no template.
    public static func parse(_ value: String) throws(TemplateError) -> TraitTemplate? {
        guard let open = value.range(of: "{{") else {
            if value.contains("}}") { throw TemplateError(value: value, reason: "unbalanced \"}}\"") }
            return nil
        }
        guard let close = value.range(of: "}}", range: open.upperBound..<value.endIndex) else {
            throw TemplateError(value: value, reason: "missing \"}}\"")
        }
        let prefix = String(value[..<open.lowerBound])
        let suffix = String(value[close.upperBound...])
        for part in [prefix, suffix] where part.contains("{") || part.contains("}") {
            throw TemplateError(value: value, reason: "only one {{expression}} is allowed")
        }
        let inner = value[open.upperBound..<close.lowerBound]
        if inner.contains("{") { throw TemplateError(value: value, reason: "unexpected \"{\"") }
        var parser = ExpressionParser(text: String(inner), value: value)
        let expression = try parser.parseAll()
        // Teleport trims white space before the prefix and after the suffix.
        return TraitTemplate(prefix: String(prefix.drop(while: \.isWhitespace)),
                             suffix: String(suffix.reversed().drop(while: \.isWhitespace).reversed()),
                             expression: expression)
    }

    /// Expands with the user's traits. A missing trait, a non-matching regexp or an invalid email
    /// yields no values, so the role entry is dropped (Teleport's behaviour).
    public func expand(_ traits: Traits) -> [String] {
        (Self.evaluate(expression, traits) ?? []).filter { !$0.isEmpty }.map { prefix + $0 + suffix }
    }

    /// nil when the whole expression fails (Teleport returns an error and drops the entry).
    private static func evaluate(_ e: Expression, _ traits: Traits) -> [String]? {
        switch e {
        case .variable(_, let name):
            return traits[name]
        case .emailLocal(let inner):
            // One unparsable address fails the whole expression, as in Teleport's `EmailLocal`.
            guard let inputs = evaluate(inner, traits) else { return nil }
            var out: [String] = []
            for input in inputs {
                guard let local = emailLocalPart(input) else { return nil }
                if !local.isEmpty { out.append(local) }
            }
            return out
        case .regexpReplace(let inner, let re, let replacement):
            // Inputs the expression does not match are dropped, one by one; so are empty results.
            return evaluate(inner, traits)?.compactMap { re.replaceIfMatches($0, with: replacement) }
                .filter { !$0.isEmpty }
        }
    }

    /// The local part of an address as Go's `mail.ParseAddress` accepts it: `local@domain`,
    /// `Name <local@domain>` or `local@domain (comment)`; nil when it is not an address.
    static func emailLocalPart(_ address: String) -> String? {
        var p = Substring(address)
        func skipSpace() { p = p.drop(while: { $0 == " " || $0 == "\t" }) }
        func skipComment() -> Bool {
            skipSpace()
            guard p.first == "(" else { return true }
            guard let close = p.firstIndex(of: ")") else { return false }
            p = p[p.index(after: close)...]
            skipSpace()
            return true
        }
        skipSpace()
        var spec: (local: String, domain: String)?
        if let s = addrSpec(&p) {
            spec = s
        } else {
            // name-addr: a display name, then `<addr-spec>`.
            guard let lt = p.firstIndex(of: "<") else { return nil }
            let name = p[..<lt]
            guard !name.contains(where: { "<>@".contains($0) }) else { return nil }
            p = p[p.index(after: lt)...]
            guard let s = addrSpec(&p), p.first == ">" else { return nil }
            p = p.dropFirst()
            spec = s
        }
        guard let spec, skipComment(), p.isEmpty else { return nil }
        // Teleport splits the parsed address at its first "@".
        let full = spec.local + "@" + spec.domain
        return full.firstIndex(of: "@").map { String(full[..<$0]) }
    }

    /// `local-part "@" domain`: each a dot-atom (or a quoted string, or a `[domain literal]`).
    private static func addrSpec(_ text: inout Substring) -> (local: String, domain: String)? {
        var p = text
        p = p.drop(while: { $0 == " " || $0 == "\t" })
        let local: String
        if p.first == "\"" {
            p = p.dropFirst()
            var s = ""
            var closed = false
            while let c = p.popFirst() {
                if c == "\"" { closed = true; break }
                if c == "\\" {
                    guard let n = p.popFirst() else { return nil }
                    s.append(n)
                } else {
                    s.append(c)
                }
            }
            guard closed, !s.isEmpty else { return nil }
            local = s
        } else {
            guard let atom = dotAtom(&p) else { return nil }
            local = atom
        }
        guard p.first == "@" else { return nil }
        p = p.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
        let domain: String
        if p.first == "[" {
            guard let close = p.firstIndex(of: "]") else { return nil }
            let body = p[p.index(after: p.startIndex)..<close]
            guard !body.contains(where: { "[\\".contains($0) }) else { return nil }
            domain = String(p[...close])
            p = p[p.index(after: close)...]
        } else {
            guard let atom = dotAtom(&p) else { return nil }
            domain = atom
        }
        text = p
        return (local, domain)
    }

    /// RFC 5322 atext (any visible ASCII but specials, or any non-ASCII) and dots, not leading,
    /// trailing or doubled.
    private static func dotAtom(_ p: inout Substring) -> String? {
        let atom = p.prefix { c in
            if c == "." { return true }
            guard let a = c.unicodeScalars.first, c.unicodeScalars.count == 1 || !c.isASCII else { return false }
            if a.value >= 0x80 { return true }
            return a.value >= 0x21 && a.value <= 0x7E && !"()<>[]:;@\\,\"".unicodeScalars.contains(a)
        }
        guard !atom.isEmpty, !atom.hasPrefix("."), !atom.hasSuffix("."), !atom.contains("..") else { return nil }
        p = p.dropFirst(atom.count)
        return String(atom)
    }

    /// Expands every value of a role field; values without templates pass through unchanged.
    public static func expandAll(_ values: [String], _ traits: Traits) -> [String] {
        var out: [String] = []
        for v in values {
            do {
                if let template = try parse(v) { out += template.expand(traits) } else { out.append(v) }
            } catch {
                // Rejected when the config was loaded; an invalid template is dropped, never used literally.
                continue
            }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }
}

public struct TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    public var value: String
    public var reason: String
    public var description: String { "invalid trait template \(quoted(value)): \(reason)" }
}

/// A regular expression for `regexp.replace`, with Go's `ReplaceAllString` semantics: unanchored,
/// every match replaced, `$1` / `${1}` / `$name` / `${name}` / `$$` expanded as Go's `Regexp.Expand` does.
struct ValueRegex: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented thread-safe.
    let regex: NSRegularExpression
    /// Names of `(?<name>…)` groups, so that `$name` of an unknown name expands to "" as in Go.
    let groupNames: Set<String>

    init(pattern: String) throws {
        regex = try NSRegularExpression(pattern: pattern, options: ValuePattern.regexOptions)
        var names = Set<String>()
        var rest = Substring(pattern)
        while let r = rest.range(of: "(?<") {
            rest = rest[r.upperBound...]
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty, rest.dropFirst(name.count).first == ">" { names.insert(String(name)) }
        }
        groupNames = names
    }

    /// nil when the expression does not match `input` at all.
    func replaceIfMatches(_ input: String, with template: String) -> String? {
        let text = NSString(string: input)
        let matches = regex.matches(in: input, range: NSRange(location: 0, length: text.length))
        guard !matches.isEmpty else { return nil }
        var out = ""
        var lastEnd = 0
        for m in matches {
            let r = m.range
            out += text.substring(with: NSRange(location: lastEnd, length: r.location - lastEnd))
            // Go skips an empty match right after the previous match.
            if r.location + r.length > lastEnd || r.location == 0 { out += expand(template, m, text) }
            lastEnd = r.location + r.length
        }
        out += text.substring(from: lastEnd)
        return out
    }

    private func expand(_ template: String, _ m: NSTextCheckingResult, _ text: NSString) -> String {
        var out = ""
        var t = Substring(template)
        while let dollar = t.firstIndex(of: "$") {
            out += t[..<dollar]
            t = t[t.index(after: dollar)...]
            if t.first == "$" {
                out += "$"
                t = t.dropFirst()
                continue
            }
            let braced = t.first == "{"
            var body = braced ? t.dropFirst() : t
            let name = body.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            body = body.dropFirst(name.count)
            if name.isEmpty || (braced && body.first != "}") {
                out += "$"  // Malformed: the `$` is kept as text.
                continue
            }
            t = braced ? body.dropFirst() : body
            out += group(String(name), m, text)
        }
        return out + t
    }

    private func group(_ name: String, _ m: NSTextCheckingResult, _ text: NSString) -> String {
        var range = NSRange(location: NSNotFound, length: 0)
        if name.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // Go reads a decimal group number, without leading zeros; otherwise it is a name.
            if name.count > 1 && name.hasPrefix("0") { return "" }
            if name.count < 9, let n = Int(name), n < m.numberOfRanges { range = m.range(at: n) }
        } else if groupNames.contains(name) {
            range = m.range(withName: name)
        }
        return range.location == NSNotFound ? "" : text.substring(with: range)
    }
}

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

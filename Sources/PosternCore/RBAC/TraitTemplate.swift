import Foundation

/// A role value with a trait template: `prefix{{expression}}suffix`, as Teleport's roles allow.
/// Expressions: `internal.X`, `external.X`, `external["X"]`, `email.local(E)`,
/// `regexp.replace(E, "re", "replacement")`.
public struct TraitTemplate: Sendable {
    indirect enum Expression: Sendable {
        case variable(namespace: String, name: String)
        case emailLocal(Expression)
        case regexpReplace(Expression, ValueRegex, String)
    }

    let prefix: String
    let suffix: String
    let expression: Expression

    /// Internal traits Teleport defines; any other `internal.X` is a config error.
    static let internalTraits: Set<String> = [
        "logins", "windows_logins", "kubernetes_groups", "kubernetes_users", "db_names", "db_users",
        "db_roles", "aws_role_arns", "azure_identities", "gcp_service_accounts", "host_user_uid",
        "host_user_gid", "github_identity", "jwt",
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
        var parser = ExpressionParser(text: String(value[open.upperBound..<close.lowerBound]), value: value)
        let expression = try parser.parseAll()
        return TraitTemplate(prefix: prefix, suffix: suffix, expression: expression)
    }

    /// Expands with the user's traits. A missing trait, a non-matching regexp or an invalid email
    /// yields no values, so the role entry is dropped (Teleport's behaviour).
    public func expand(_ traits: Traits) -> [String] {
        Self.evaluate(expression, traits).filter { !$0.isEmpty }.map { prefix + $0 + suffix }
    }

    private static func evaluate(_ e: Expression, _ traits: Traits) -> [String] {
        switch e {
        case .variable(_, let name):
            return traits[name] ?? []
        case .emailLocal(let inner):
            return evaluate(inner, traits).compactMap(emailLocalPart)
        case .regexpReplace(let inner, let re, let replacement):
            return evaluate(inner, traits).compactMap { re.replaceIfMatches($0, with: replacement) }
        }
    }

    static func emailLocalPart(_ address: String) -> String? {
        var a = Substring(address.trimmingCharacters(in: .whitespaces))
        if let lt = a.lastIndex(of: "<"), a.hasSuffix(">") { a = a[a.index(after: lt)..<a.index(before: a.endIndex)] }
        guard let at = a.lastIndex(of: "@") else { return nil }
        let local = a[..<at], domain = a[a.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty, !domain.contains("@"), !local.contains(" ") else { return nil }
        return String(local)
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

/// A regular expression for `regexp.replace`: unanchored search, Go-style `$1` / `${1}` replacements.
struct ValueRegex: @unchecked Sendable {
    let regex: NSRegularExpression

    func replaceIfMatches(_ input: String, with replacement: String) -> String? {
        let range = NSRange(input.startIndex..<input.endIndex, in: input)
        guard regex.firstMatch(in: input, range: range) != nil else { return nil }
        return regex.stringByReplacingMatches(in: input, range: range, withTemplate: Self.template(replacement))
    }

    /// Go's `${1}`/`$1` to ICU's `$1`; literal backslashes escaped (ICU treats them specially).
    static func template(_ go: String) -> String {
        var out = ""
        var chars = Array(go)[...]
        while let c = chars.popFirst() {
            switch c {
            case "\\": out += "\\\\"
            case "$":
                if chars.first == "$" {
                    chars.removeFirst()
                    out += "\\$"
                } else if chars.first == "{", let close = chars.firstIndex(of: "}") {
                    out += "$" + String(chars[chars.index(after: chars.startIndex)..<close])
                    chars = chars[chars.index(after: close)...]
                } else {
                    out += "$"
                }
            default: out.append(c)
            }
        }
        return out
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

    private mutating func skipSpaces() { text = text.drop(while: { $0 == " " || $0 == "\t" }) }

    private mutating func identifier() -> String {
        skipSpaces()
        let id = text.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        text = text.dropFirst(id.count)
        return String(id)
    }

    private mutating func expect(_ c: Character) throws(TemplateError) {
        skipSpaces()
        guard text.first == c else { throw fail("expected \"\(c)\"") }
        text = text.dropFirst()
    }

    private mutating func stringLiteral() throws(TemplateError) -> String {
        skipSpaces()
        guard text.first == "\"" else { throw fail("expected a quoted string") }
        text = text.dropFirst()
        var out = ""
        while let c = text.first {
            text = text.dropFirst()
            if c == "\"" { return out }
            if c == "\\", let next = text.first {
                text = text.dropFirst()
                out.append(next)
            } else {
                out.append(c)
            }
        }
        throw fail("unterminated string")
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
            guard let re = try? NSRegularExpression(pattern: pattern) else {
                throw fail("invalid regular expression \(quoted(pattern))")
            }
            return .regexpReplace(inner, ValueRegex(regex: re), replacement)
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

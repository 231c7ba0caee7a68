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
        // Duplicates by bytes, as names are matched: String's equality would merge a decomposed é
        // into a composed one, and one of two deny entries would be lost.
        var seen = Set<[UInt8]>()
        return out.filter { seen.insert(Array($0.utf8)).inserted }
    }
}

public struct TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    public var value: String
    public var reason: String
    public var description: String { "invalid trait template \(quoted(value)): \(reason)" }
}

import Yams

/// Decodes Teleport role resources (`kind: role`, v5–v8) as `tctl create` files hold them.
public enum RoleDecoder {
    static let supportedVersions: Set<String> = ["v5", "v6", "v7", "v8"]

    /// Condition fields Teleport defines that have nothing to do with databases: accepted, ignored.
    static let ignoredConditionKeys: Set<String> = [
        "logins", "node_labels", "node_labels_expression", "app_labels", "app_labels_expression",
        "cluster_labels", "cluster_labels_expression", "kubernetes_labels", "kubernetes_labels_expression",
        "kubernetes_groups", "kubernetes_users", "kubernetes_resources", "windows_desktop_labels",
        "windows_desktop_labels_expression", "windows_desktop_logins", "request", "review_requests",
        "impersonate", "join_sessions", "host_groups", "host_sudoers", "desktop_groups", "aws_role_arns",
        "azure_identities", "gcp_service_accounts", "group_labels", "group_labels_expression",
        "github_permissions", "spiffe", "account_assignments", "workload_identity_labels",
        "workload_identity_labels_expression", "saml_idp_service_provider_labels",
        "saml_idp_service_provider_labels_expression", "git_server_labels", "mcp", "namespaces",
    ]
    static let conditionKeys: Set<String> = ["db_labels", "db_names", "db_users", "db_roles", "redis_commands", "rules"]
    /// Database fields Teleport defines that Postern does not enforce: ignoring one (in deny above all)
    /// would silently grant more than the role says, so they are refused.
    static let unsupportedDBKeys: Set<String> = ["db_labels_expression", "db_permissions", "db_service_labels"]

    /// Decodes every role in a `---`-separated file.
    public static func decodeAll(_ text: String, file: String) throws(ConfigError) -> [Role] {
        var roles: [Role] = []
        do {
            for node in try Yams.compose_all(yaml: text, YAMLValue.resolver) {
                let doc = YAMLValue(node: node, file: file, path: "")
                if doc.isNull { continue }
                roles.append(try decode(doc))
            }
        } catch let e as ConfigError {
            throw e
        } catch {
            throw ConfigDecoder.yamlError(error, file: file)
        }
        return roles
    }

    static func decode(_ v: YAMLValue) throws(ConfigError) -> Role {
        let f = try v.mapping(known: ["kind", "version", "metadata", "spec"], ignored: ["sub_kind"])
        let kind = try f.string("kind")
        guard kind == "role" else {
            throw (f["kind"] ?? v).error("kind \(quoted(kind)) is not supported here; only kind: role")
        }
        let version = try f.string("version")
        guard supportedVersions.contains(version) else {
            throw (f["version"] ?? v).error("role version \(quoted(version)) is not supported (use v5, v6, v7 or v8)")
        }
        guard let metaValue = f["metadata"] else { throw v.error("\(pathOr(v, "role")) needs metadata.name") }
        let meta = try metaValue.mapping(known: ["name"],
                                         ignored: ["description", "labels", "namespace", "expires", "revision", "id"])
        guard let name = try meta["name"]?.string(), !name.isEmpty else {
            throw metaValue.error("\(metaValue.path) needs a name")
        }
        var role = Role(name: name, version: version, origin: "\(v.file):\(v.line ?? 1)")
        if let specValue = f["spec"] {
            let spec = try specValue.mapping(known: ["allow", "deny", "options"])
            if let allow = spec["allow"] { role.allow = try conditions(allow) }
            if let deny = spec["deny"] { role.deny = try conditions(deny, deny: true) }
            if let options = spec["options"] { role.options = try RoleOptionsDecoder.decode(options) }
        }
        return role
    }

    private static func pathOr(_ v: YAMLValue, _ fallback: String) -> String {
        v.path.isEmpty ? fallback : v.path
    }

    static func conditions(_ v: YAMLValue, deny: Bool = false) throws(ConfigError) -> RoleConditions {
        let f = try v.mapping(known: conditionKeys.union(unsupportedDBKeys), ignored: ignoredConditionKeys)
        for key in f.order where unsupportedDBKeys.contains(key) {
            throw (f.entries[key] ?? v).error("\(v.path).\(key) is not supported by Postern; use db_labels, db_users and db_names")
        }
        var c = RoleConditions()
        if let labels = f["db_labels"] { c.dbLabels = try selector(labels) }
        c.dbNames = try checkedTemplates(f, "db_names")
        c.dbUsers = try checkedTemplates(f, "db_users")
        c.dbRoles = try checkedTemplates(f, "db_roles")
        if let rules = f["rules"] { c.auditRead = try auditRule(rules) }
        if let commands = f["redis_commands"] {
            guard deny else { throw commands.error("\(commands.path): Redis commands can only be denied (spec.deny.redis_commands)") }
            c.redisCommands = try RedisOptionsDecoder.entries(commands)
        }
        return c
    }

    /// Whether `rules` grant (or deny) reading the audit: a rule whose resources hold `event`,
    /// `session` or `*` and whose verbs hold `list`, `read` or `*`, with no `where` condition
    /// (Postern cannot evaluate one, such as "own sessions only", so such a rule grants nothing
    /// beyond one's own events). Other rules concern the Teleport API and are accepted as they are.
    static func auditRule(_ v: YAMLValue) throws(ConfigError) -> Bool {
        var matched = false
        for rule in try v.list() {
            let f = try rule.mapping(known: ["resources", "verbs"], ignored: ["where", "actions"])
            let resources = Set(try f.strings("resources"))
            let verbs = Set(try f.strings("verbs"))
            if f["where"] == nil, !resources.isDisjoint(with: ["event", "session", "*"]),
               !verbs.isDisjoint(with: ["list", "read", "*"]) {
                matched = true
            }
        }
        return matched
    }

    private static func checkedTemplates(_ f: YAMLFields, _ key: String) throws(ConfigError) -> [String] {
        guard let value = f[key] else { return [] }
        let items = try value.stringOrList()
        for item in items { try checkTemplate(item, at: value) }
        return items
    }

    private static func checkTemplate(_ s: String, at v: YAMLValue) throws(ConfigError) {
        do {
            _ = try TraitTemplate.parse(s)
        } catch {
            throw v.error("\(v.path): \(error.description)")
        }
    }

    /// Label values may be a string or a list; literal regular expressions are checked now.
    static func selector(_ v: YAMLValue) throws(ConfigError) -> LabelSelector {
        var entries: [String: [String]] = [:]
        for (key, line, value) in try v.pairs() {
            try checkTemplate(key, at: value)
            let values = try value.stringOrList()
            for item in values {
                try checkTemplate(item, at: value)
                if !item.contains("{{") {
                    do {
                        _ = try ValuePattern(item)
                    } catch {
                        throw ConfigError(file: v.file, line: value.line ?? line,
                                          message: "\(value.path): \(error.description)")
                    }
                }
            }
            entries[key] = values
        }
        return LabelSelector(entries)
    }
}

import Yams

/// Strict decoding of `postern.yaml`: every unknown key is an error naming file, line and key.
public enum ConfigDecoder {
    static let topLevelKeys: Set<String> = ["cluster_name", "users", "roles", "roles_dir", "databases", "discovery", "audit", "serve"]

    /// Decodes the main file; `roles_dir` is returned for the loader to read.
    public static func decode(_ text: String, file: String, baseDir: String)
        throws(ConfigError) -> (config: PosternConfig, rolesDir: String?) {
        let root = try parseSingle(text, file: file)
        let fields = try root.mapping(known: topLevelKeys.union(ConsoleSettings.configKeys))
        var config = PosternConfig(path: file)
        config.clusterName = try fields.string("cluster_name", default: "postern")
        for item in try fields["users"]?.list() ?? [] { config.users.append(try decodeUser(item)) }
        try checkUnique(config.users.map(\.name), what: "user", file: file)
        for item in try fields["roles"]?.list() ?? [] { config.roles.append(try RoleDecoder.decode(item)) }
        for item in try fields["databases"]?.list() ?? [] {
            config.databases.append(try DatabaseDecoder.decode(item, baseDir: baseDir))
        }
        try checkUnique(config.databases.map(\.name), what: "database", file: file)
        if let discovery = fields["discovery"] { config.discovery = try DiscoveryDecoder.decode(discovery) }
        if let console = fields["console"] { config.console = try ConsoleSettings.decode(console) }
        if let audit = fields["audit"] { config.audit = try AuditConfigDecoder.decode(audit, baseDir: baseDir) }
        if let serve = fields["serve"] { config.serve = try ServeConfig.decode(serve, baseDir: baseDir) }
        var rolesDir: String?
        if let dir = fields["roles_dir"] { rolesDir = resolve(try dir.string(), against: baseDir) }
        return (config, rolesDir)
    }

    static func parseSingle(_ text: String, file: String) throws(ConfigError) -> YAMLValue {
        do {
            guard let node = try Yams.compose(yaml: text, YAMLValue.resolver) else {
                throw ConfigError(file: file, message: "the file is empty")
            }
            return YAMLValue(node: node, file: file, path: "")
        } catch let e as ConfigError {
            throw e
        } catch {
            throw yamlError(error, file: file)
        }
    }

    /// Yams' messages carry libyaml's position; keep it short and on one line.
    static func yamlError(_ error: any Error, file: String) -> ConfigError {
        if let y = error as? YamlError {
            switch y {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                 .composer(_, let problem, let mark, _):
                return ConfigError(file: file, line: mark.line, message: "malformed YAML: \(problem)")
            default:
                break
            }
        }
        let first = String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
        return ConfigError(file: file, message: "malformed YAML: \(first)")
    }

    static func decodeUser(_ v: YAMLValue) throws(ConfigError) -> PosternUser {
        let f = try v.mapping(known: ["name", "roles", "traits"])
        guard let name = try f["name"]?.string(), !name.isEmpty else { throw v.error("\(v.path).name is required") }
        var traits: Traits = [:]
        for (key, _, value) in try f["traits"]?.pairs() ?? [] { traits[key] = try value.stringOrList() }
        return PosternUser(name: name, roles: try f.strings("roles"), traits: traits)
    }

    static func checkUnique(_ names: [String], what: String, file: String) throws(ConfigError) {
        var seen = Set<String>()
        for n in names where !seen.insert(n).inserted {
            throw ConfigError(file: file, message: "\(what) \(quoted(n)) is defined twice")
        }
    }

    static func resolve(_ path: String, against base: String) -> String {
        if path.hasPrefix("/") || base.isEmpty { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }
}

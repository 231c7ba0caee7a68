/// The decoded `postern.yaml` (plus `roles_dir`).
public struct PosternConfig: Sendable {
    public var clusterName: String
    public var users: [PosternUser]
    public var roles: [Role]
    public var databases: [Database]
    /// AWS discovery matchers; empty when the config has no `discovery:` block.
    public var discovery = DiscoveryConfig()
    /// The `console:` block (theme).
    public var console = ConsoleSettings()
    /// Where audit events are stored (`audit:`).
    public var audit = AuditConfig()
    /// The bastion service's socket (`serve:`).
    public var serve = ServeConfig()
    /// The file the config came from, for messages.
    public var path: String
    /// `roles_dir`, resolved against the config's directory (watched for changes).
    public var rolesDirectory: String?

    public init(clusterName: String = "postern", users: [PosternUser] = [], roles: [Role] = [],
                databases: [Database] = [], path: String = "postern.yaml") {
        self.clusterName = clusterName
        self.users = users
        self.roles = roles
        self.databases = databases
        self.path = path
    }

    public func user(named name: String) -> PosternUser? {
        users.first { $0.name == name }
    }

    /// The user's roles in the user's order; the preset `access` role stands in when not defined.
    public func roles(for user: PosternUser) throws(ConfigError) -> [Role] {
        var out: [Role] = []
        for name in user.roles {
            if let role = roles.first(where: { $0.name == name }) {
                out.append(role)
            } else if name == Role.presetAccess.name {
                out.append(.presetAccess)
            } else if name == Role.presetAuditor.name {
                out.append(.presetAuditor)
            } else {
                throw ConfigError(file: path, message: "user \(quoted(user.name)) has unknown role \(quoted(name))")
            }
        }
        return out
    }

    public func accessChecker(for user: PosternUser) throws(ConfigError) -> AccessChecker {
        let roles = try roles(for: user)
        do {
            return try AccessChecker(user: user, roles: roles)
        } catch {
            throw ConfigError(file: path, message: "user \(quoted(user.name)): \(error.description)")
        }
    }
}

/// The database part of one side (allow or deny) of a Teleport role.
public struct RoleConditions: Sendable, Equatable, Codable {
    public var dbLabels: LabelSelector
    public var dbNames: [String]
    public var dbUsers: [String]
    public var dbRoles: [String]
    /// Postern's Redis command deny list (`deny.redis_commands`): commands, `CMD|SUB`, `@category`.
    public var redisCommands: [String]
    /// Teleport's `rules` name the `event` (or `session`) resource with the `list` or `read` verb:
    /// the audit of every user may be read (allow), or not even one's own beyond the default (deny).
    public var auditRead = false

    public init(dbLabels: LabelSelector = LabelSelector(), dbNames: [String] = [], dbUsers: [String] = [],
                dbRoles: [String] = [], redisCommands: [String] = []) {
        self.dbLabels = dbLabels
        self.dbNames = dbNames
        self.dbUsers = dbUsers
        self.dbRoles = dbRoles
        self.redisCommands = redisCommands
    }
}

/// A Teleport `kind: role` resource, reduced to what database access uses.
public struct Role: Sendable, Equatable, Codable {
    public var name: String
    public var version: String
    public var allow: RoleConditions
    public var deny: RoleConditions
    /// The session controls of `spec.options` that Postern enforces.
    public var options: RoleOptions
    /// Where the role was defined (`file:line`), for explanations; nil for presets.
    public var origin: String?

    public init(name: String, version: String = "v7", allow: RoleConditions = RoleConditions(),
                deny: RoleConditions = RoleConditions(), options: RoleOptions = RoleOptions(), origin: String? = nil) {
        self.name = name
        self.version = version
        self.allow = allow
        self.deny = deny
        self.options = options
        self.origin = origin
    }

    /// Teleport's preset `auditor` role (reads every user's audit events, reaches no database),
    /// used when the config does not define one.
    public static let presetAuditor: Role = {
        var allow = RoleConditions()
        allow.auditRead = true
        return Role(name: "auditor", allow: allow, origin: "preset")
    }()

    /// Teleport's preset `access` role, used when the config does not define one.
    public static let presetAccess = Role(
        name: "access",
        allow: RoleConditions(
            dbLabels: .everything,
            dbNames: ["{{internal.db_names}}"],
            dbUsers: ["{{internal.db_users}}"]
        ),
        origin: "preset"
    )
}

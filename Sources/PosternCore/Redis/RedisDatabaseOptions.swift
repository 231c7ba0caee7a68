/// A Redis database's Postern-specific settings (`redis:` in a database entry).
public struct RedisDatabaseOptions: Sendable, Equatable, Codable {
    /// Commands and categories refused on this database, for everyone.
    public var deniedCommands: [RedisCommandRule]
    /// The users whose passwords Postern rotates; nil when another party keeps the secrets.
    public var managedUsers: RedisManagedUsers?

    public init(deniedCommands: [RedisCommandRule] = [], managedUsers: RedisManagedUsers? = nil) {
        self.deniedCommands = deniedCommands
        self.managedUsers = managedUsers
    }
}

/// Managed users: Postern sets a new random password on the server (`ACL SETUSER`, through an
/// admin login) every `rotationInterval`, stores it in Secrets Manager, and signs in with it.
public struct RedisManagedUsers: Sendable, Equatable, Codable {
    /// Teleport rotates managed users' passwords every 15 minutes.
    public static let defaultRotationInterval: Duration = .seconds(15 * 60)

    public var users: [String]
    public var rotationInterval: Duration
    /// The ACL user that may run `ACL SETUSER` for `users`.
    public var adminUser: String
    public var adminPassword: SecretSource

    public init(users: [String], rotationInterval: Duration = Self.defaultRotationInterval, adminUser: String,
                adminPassword: SecretSource) {
        self.users = users
        self.rotationInterval = rotationInterval
        self.adminUser = adminUser
        self.adminPassword = adminPassword
    }
}

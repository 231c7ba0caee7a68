/// Decodes a Redis database's `redis:` block:
///
///     redis:
///       deny_commands: [FLUSHALL, CONFIG|SET, "@dangerous"]
///       managed_users:
///         users: [app_user]
///         rotation_interval: 15m          # default 15m
///         admin_user: postern_admin       # runs ACL SETUSER
///         admin_password_file: admin.pass # or admin_password_env
enum RedisOptionsDecoder {
    static func decode(_ v: YAMLValue, database: String, baseDir: String) throws(ConfigError) -> RedisDatabaseOptions {
        let f = try v.mapping(known: ["deny_commands", "managed_users"])
        var options = RedisDatabaseOptions()
        if let deny = f["deny_commands"] {
            options.deniedCommands = try rules(deny, source: "database \(database)")
        }
        if let managed = f["managed_users"] { options.managedUsers = try managedUsers(managed, baseDir: baseDir) }
        return options
    }

    /// A `deny_commands` (database) or `redis_commands` (role) list, each entry checked.
    static func rules(_ v: YAMLValue, source: String) throws(ConfigError) -> [RedisCommandRule] {
        try entries(v).map { RedisCommandRule($0, source: source) }
    }

    /// The entries of a command list, each a valid command, subcommand or `@category`.
    static func entries(_ v: YAMLValue) throws(ConfigError) -> [String] {
        let items = try v.stringOrList()
        for item in items {
            if let problem = RedisCommandRule.problem(in: item) { throw v.error("\(v.path): \(problem)") }
        }
        return items
    }

    static func managedUsers(_ v: YAMLValue, baseDir: String) throws(ConfigError) -> RedisManagedUsers {
        if case .mapping(let m) = v.node, m["admin_password"] != nil {
            throw v.error("\(v.path).admin_password: inline secrets are not accepted; use admin_password_file or admin_password_env")
        }
        let f = try v.mapping(known: ["users", "rotation_interval", "admin_user", "admin_password_file",
                                      "admin_password_env"])
        let users = try f.strings("users")
        guard !users.isEmpty, users.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw (f["users"] ?? v).error("\(v.path).users must list the ACL users Postern manages")
        }
        let adminUser = try f.string("admin_user")
        guard !adminUser.isEmpty else { throw v.error("\(v.path).admin_user is required (the user that runs ACL SETUSER)") }
        guard !users.contains(adminUser) else {
            throw (f["users"] ?? v).error("\(v.path).users must not include the admin user \(quoted(adminUser))")
        }
        let password: SecretSource
        switch (try f["admin_password_file"]?.string(), try f["admin_password_env"]?.string()) {
        case (let file?, nil): password = .file(ConfigDecoder.resolve(file, against: baseDir))
        case (nil, let env?): password = .environment(env)
        default: throw v.error("\(v.path) needs exactly one of admin_password_file or admin_password_env")
        }
        var interval = RedisManagedUsers.defaultRotationInterval
        if let text = f["rotation_interval"] {
            guard let parsed = DurationText.parse(try text.string()), parsed >= .seconds(1) else {
                throw text.error("\(text.path) must be a duration of at least 1s, such as 15m or 1h")
            }
            interval = parsed
        }
        return RedisManagedUsers(users: users, rotationInterval: interval, adminUser: adminUser, adminPassword: password)
    }
}

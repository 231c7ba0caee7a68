extension AccessChecker {
    /// The `deny.redis_commands` of the user's roles, in role order. Like Teleport's deny
    /// `db_users`, they are greedy: they apply on every Redis database, whatever its labels.
    public var deniedRedisCommands: [RedisCommandRule] {
        roles.flatMap { role in role.deny.redisCommands.map { RedisCommandRule($0, source: "role \(role.name)") } }
    }

    /// Everything refused on `database` for this user: the database's own list, then the roles'.
    public func redisCommandRules(on database: Database) -> [RedisCommandRule] {
        database.redis.deniedCommands + deniedRedisCommands
    }
}

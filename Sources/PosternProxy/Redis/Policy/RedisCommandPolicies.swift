import NIOCore
import PosternCore

/// The command policy of each session (`RedisCommandGateSource`): the database's
/// `redis.deny_commands` and the user's roles' `deny.redis_commands`, with ACL categories
/// resolved by the server the first time a database needs them (cached), or by the built-in
/// Redis 7.0 table when the server will not say or cannot be asked.
public struct RedisCommandPolicies: RedisCommandGateSource {
    public let catalog: RedisCategoryCatalog
    /// Asks a database's server about categories; nil uses the built-in table only.
    public let categoryQuery: (@Sendable (Route) async throws -> RedisCategoryServer)?

    public init(catalog: RedisCategoryCatalog = RedisCategoryCatalog(),
                categoryQuery: (@Sendable (Route) async throws -> RedisCategoryServer)? = nil) {
        self.catalog = catalog
        self.categoryQuery = categoryQuery
    }

    /// Asks over a connection of its own, signed in as the session's user would be.
    public init(login: any RedisLoginSource, group: any EventLoopGroup, catalog: RedisCategoryCatalog = RedisCategoryCatalog()) {
        self.init(catalog: catalog) { route in
            let credentials = try await login.login(for: route)
            let client = try await RedisAdminClient.signIn(to: try UpstreamTarget.make(for: route.database, defaultPort: RedisEngine.defaultPort), on: group,
                                                           user: credentials.user, password: credentials.password)
            return RedisCategoryServer(query: { argv in try await client.send(argv) }, close: { await client.close() })
        }
    }

    /// The deny rules for `route`: the roles' only when the authorizer is the configured RBAC.
    public static func rules(for route: Route, authorizer: any RouteAuthorizer) -> [RedisCommandRule] {
        if let rbac = authorizer as? AccessCheckerAuthorizer {
            return rbac.checker.redisCommandRules(on: route.database)
        }
        return route.database.redis.deniedCommands
    }

    public func gate(for route: Route, authorizer: any RouteAuthorizer) async -> any RedisCommandGate {
        RedisPolicyGate(policy: await policy(for: route, authorizer: authorizer))
    }

    public func policy(for route: Route, authorizer: any RouteAuthorizer) async -> RedisCommandPolicy {
        let rules = Self.rules(for: route, authorizer: authorizer)
        guard !rules.isEmpty else { return .allowAll }
        let categories = Set(rules.compactMap { rule -> String? in
            if case .category(let name) = rule.target { return name }
            return nil
        })
        guard !categories.isEmpty, let categoryQuery else { return RedisCommandPolicy(rules: rules, table: .builtin) }
        let table = await catalog.table(for: route.database, categories: categories) {
            try await categoryQuery(route)
        }
        return RedisCommandPolicy(rules: rules, table: table)
    }
}

/// A connection to ask categories on, closed when done.
public struct RedisCategoryServer: Sendable {
    public var query: @Sendable ([String]) async throws -> RESPValue
    public var close: @Sendable () async -> Void

    public init(query: @escaping @Sendable ([String]) async throws -> RESPValue, close: @escaping @Sendable () async -> Void) {
        self.query = query
        self.close = close
    }
}

/// One session's gate: a hash lookup per command (MULTI's queued commands included, since the
/// relay asks about each).
public struct RedisPolicyGate: RedisCommandGate {
    public let policy: RedisCommandPolicy

    public init(policy: RedisCommandPolicy) { self.policy = policy }

    public func check(_ argv: [String]) -> String? { policy.check(argv: argv)?.errorText }
}

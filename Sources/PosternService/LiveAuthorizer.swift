import NIOConcurrencyHelpers
import PosternCore
import PosternProxy

/// RBAC against the config as it is now: a role revoked in the config (file change or SIGHUP)
/// denies the next connection, and `ProxyServices.endRevokedSessions` ends the open ones. The
/// user is named once (who the session is for); their roles and the database are looked up
/// in the current config at every check.
public struct LiveAuthorizer: RouteAuthorizer {
    public let source: ConfigSource
    public let userName: String
    private let cache = NIOLockedValueBox<(generation: Int, checker: Result<AccessChecker, ConfigError>)?>(nil)

    public init(source: ConfigSource, userName: String) {
        self.source = source
        self.userName = userName
    }

    /// The user's checker under the current config, or why there is none.
    public func checker() -> Result<AccessChecker, ConfigError> {
        let (loaded, generation) = source.snapshot
        let config = loaded.config
        if let hit = cache.withLockedValue({ $0 }), hit.generation == generation { return hit.checker }
        let result: Result<AccessChecker, ConfigError>
        if let user = config.user(named: userName) {
            result = Result { () throws(ConfigError) in try config.accessChecker(for: user) }
        } else {
            result = .failure(ConfigError(file: config.path, message: "user \"\(userName)\" is no longer in users:"))
        }
        cache.withLockedValue { $0 = (generation, result) }
        return result
    }

    public func check(_ route: Route) -> AccessDecision {
        let checker: AccessChecker
        switch self.checker() {
        case .success(let c): checker = c
        case .failure(let e): return Self.denied(e.description)
        }
        guard let database = source.config.databases.first(where: { $0.name == route.database.name }) else {
            return Self.denied("database \"\(route.database.name)\" is no longer in the config")
        }
        return checker.check(database, dbUser: route.dbUser, dbName: route.dbName)
    }

    public func limits(for route: Route) -> SessionLimits {
        (try? checker().get())?.limits ?? .none
    }

    static func denied(_ reason: String) -> AccessDecision {
        AccessDecision(allowed: false, role: nil, rule: "config", reason: "access to db denied: \(reason)")
    }
}

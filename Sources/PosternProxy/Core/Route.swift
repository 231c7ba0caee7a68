import PosternCore

/// Who reaches what through one proxy session. Fixed when the session opens; RBAC is checked
/// against it then and again before every upstream connect.
public struct Route: Sendable, Equatable {
    /// The Postern user the session acts for (the invoking login, or `--as`).
    public var user: PosternUser
    public var database: Database
    public var dbUser: String
    /// The database name inside the server; the protocol's default when not given.
    public var dbName: String
    /// The operator behind the session in bastion mode (OS login, uid, SSH address), for the audit.
    public var origin: AuditOrigin

    public init(user: PosternUser, database: Database, dbUser: String, dbName: String? = nil,
                origin: AuditOrigin = .none) {
        self.user = user
        self.origin = origin
        self.database = database
        self.dbUser = dbUser
        let name = dbName ?? ""
        self.dbName = name.isEmpty ? database.protocol.defaultDatabaseName(dbUser: dbUser) : name
    }
}

/// Decides whether a route may be used now. The proxy asks it when a session opens and before
/// each upstream connect, so a role change takes effect on the next connection.
public protocol RouteAuthorizer: Sendable {
    func check(_ route: Route) -> AccessDecision
    /// The session controls (idle timeout, TTL) of the route's user, read when a session opens.
    func limits(for route: Route) -> SessionLimits
}

extension RouteAuthorizer {
    public func limits(for route: Route) -> SessionLimits { .none }
}

/// The RBAC of one user, as configured.
public struct AccessCheckerAuthorizer: RouteAuthorizer {
    public let checker: AccessChecker

    public init(_ checker: AccessChecker) { self.checker = checker }

    public func check(_ route: Route) -> AccessDecision {
        checker.check(route.database, dbUser: route.dbUser, dbName: route.dbName)
    }

    public func limits(for route: Route) -> SessionLimits { checker.limits }
}

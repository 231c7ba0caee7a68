import NIOConcurrencyHelpers
import NIOCore
import PosternCore

/// Limits on what a client may send.
public struct ProxyLimits: Sendable {
    /// The largest audited message body (Query, Parse, Bind, …); larger ones are malformed.
    public var maxAuditedMessage: Int

    public init(maxAuditedMessage: Int = 64 << 20) {
        self.maxAuditedMessage = maxAuditedMessage
    }
}

/// What every session of one proxy shares.
public final class ProxyServices: Sendable {
    public let clusterName: String
    public let sink: any SessionEventSink
    public let credentials: any UpstreamCredentialSource
    public let limits: ProxyLimits
    let sessions = SessionTracker()
    private let tlsPolicies = NIOLockedValueBox<[String: (uri: String, tls: DatabaseTLS, policy: UpstreamTLS)]>([:])

    public init(clusterName: String, sink: any SessionEventSink, credentials: any UpstreamCredentialSource,
                limits: ProxyLimits = ProxyLimits()) {
        self.clusterName = clusterName
        self.sink = sink
        self.credentials = credentials
        self.limits = limits
    }

    /// A database's upstream TLS policy, built once (CA files are read once) for its uri and `tls:`.
    func upstreamTLS(for db: Database) throws -> UpstreamTLS {
        if let cached = tlsPolicies.withLockedValue({ $0[db.name] }), cached.uri == db.uri, cached.tls == db.tls {
            return cached.policy
        }
        let policy = try UpstreamTLS(for: db)
        tlsPolicies.withLockedValue { $0[db.name] = (db.uri, db.tls, policy) }
        return policy
    }

    /// Where a session of `db` connects, under the cached TLS policy; `defaultPort` is the
    /// engine's, for a uri without one.
    func upstreamTarget(for db: Database, defaultPort: Int) throws -> UpstreamTarget {
        try UpstreamTarget(database: db, defaultPort: defaultPort, tls: try upstreamTLS(for: db))
    }

    /// Sessions open now.
    public var openSessions: Int { sessions.count }

    /// Checks every open session against its authorizer again (after a config reload) and ends,
    /// with the reason audited, those whose access is gone; returns how many were ended.
    /// Ends every open session cleanly (each audited), as a shutdown does.
    public func endAllSessions(on eventLoop: EventLoop) async {
        try? await sessions.stopAll(on: eventLoop).get()
    }

    public func endRevokedSessions(on eventLoop: EventLoop) async throws -> Int {
        try await sessions.stopRevoked(on: eventLoop).get()
    }
}

/// What one accepted connection may do: its route, how its client proves itself, and who checks RBAC.
public struct ProxySessionContext: Sendable {
    public let route: Route
    public let clientAuthentication: ClientAuthentication
    public let authorizer: any RouteAuthorizer
    public let services: ProxyServices

    public init(route: Route, clientAuthentication: ClientAuthentication, authorizer: any RouteAuthorizer,
                services: ProxyServices) {
        self.route = route
        self.clientAuthentication = clientAuthentication
        self.authorizer = authorizer
        self.services = services
    }
}

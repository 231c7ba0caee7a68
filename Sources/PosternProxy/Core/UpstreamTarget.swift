import PosternCore

/// Where and how Postern's own connections reach a database server, for every engine (sessions,
/// PostgreSQL cancels, the Redis admin client): the uri's host and port (the engine's default
/// port when the uri has none), always TLS under the database's policy (`UpstreamTLS`).
public struct UpstreamTarget: Sendable {
    public let host: String
    public let port: Int
    public let tls: UpstreamTLS

    init(database db: Database, defaultPort: Int, tls: UpstreamTLS) throws(UpstreamTLSError) {
        guard let endpoint = db.endpoint else {
            throw UpstreamTLSError("database \(quoted(db.name)) has no usable host in its uri")
        }
        host = endpoint.host
        port = endpoint.port ?? defaultPort
        self.tls = tls
    }

    /// A target with a TLS policy of its own (the Redis admin client; sessions share the proxy's
    /// cached one, `ProxyServices.upstreamTarget`); a bad `tls:` block is an
    /// `UpstreamCredentialError`, as sign-in sources throw.
    public static func make(for db: Database, defaultPort: Int,
                            systemRoots: UpstreamTLS.SystemRoots = .platform) throws -> UpstreamTarget {
        do {
            return try UpstreamTarget(database: db, defaultPort: defaultPort,
                                      tls: try UpstreamTLS(for: db, systemRoots: systemRoots))
        } catch {
            throw UpstreamCredentialError("\(error)")
        }
    }
}

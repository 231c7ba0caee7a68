import PosternCore

/// Where and how Postern's own connections reach a Redis server — a session's upstream and the
/// admin client alike: always TLS (ElastiCache and MemoryDB require in-transit encryption; there
/// is no plaintext fallback), under the database's upstream TLS policy (`UpstreamTLS`).
public struct RedisTLSTarget: Sendable {
    public let host: String
    public let port: Int
    public let tls: UpstreamTLS

    init(database db: Database, tls: UpstreamTLS) throws(UpstreamTLSError) {
        guard let endpoint = db.endpoint else {
            throw UpstreamTLSError("database \(quoted(db.name)) has no usable host in its uri")
        }
        host = endpoint.host
        port = endpoint.port ?? 6379
        self.tls = tls
    }

    /// A target with a TLS policy of its own (the admin client; sessions share the proxy's cached
    /// one); a bad `tls:` block is an `UpstreamCredentialError`, as sign-in sources throw.
    public static func make(for db: Database, systemRoots: UpstreamTLS.SystemRoots = .platform) throws -> RedisTLSTarget {
        do {
            return try RedisTLSTarget(database: db, tls: try UpstreamTLS(for: db, systemRoots: systemRoots))
        } catch {
            throw UpstreamCredentialError("\(error)")
        }
    }
}

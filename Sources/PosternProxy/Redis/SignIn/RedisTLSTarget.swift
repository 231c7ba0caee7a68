import NIOSSL
import PosternCore

/// Where and how Postern's own connections reach a Redis server: always TLS (ElastiCache and
/// MemoryDB require in-transit encryption; there is no plaintext fallback), verified as the
/// database's `tls:` says — the same context the proxy builds for every upstream.
public struct RedisTLSTarget: Sendable {
    public let host: String
    public let port: Int
    public let context: NIOSSLContext
    /// The name the certificate must carry (and SNI); nil for an IP address.
    public let serverHostname: String?

    public static func make(for db: Database) throws -> RedisTLSTarget {
        let target: PGUpstreamTarget
        do {
            target = try PGUpstreamTarget.make(for: db)
        } catch {
            throw UpstreamCredentialError("\(error)")
        }
        return RedisTLSTarget(host: target.host, port: db.endpoint?.port ?? 6379, context: target.tls,
                              serverHostname: target.serverHostname)
    }
}

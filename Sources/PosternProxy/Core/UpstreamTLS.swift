import NIOCore
import NIOSSL
import PosternCore

/// How Postern's own connections reach a database: TLS always (no plaintext fallback), one policy
/// for every engine — PostgreSQL sessions and cancels, Redis sessions, the Redis admin client —
/// built from the database's `tls:` block:
/// - `mode`: verify-full checks the chain and the name, verify-ca the chain only, insecure nothing;
/// - `server_name`: the name to check (and send as SNI), else the URI's host;
/// - `ca_cert_file` and `trust_system_cert_pool`: the CA file, the system store (true, the
///   default), or both; false trusts the CA file alone.
public struct UpstreamTLS: Sendable {
    /// Where the system store is read from: NIOSSL's platform bundle, or a file standing in for it
    /// (so a test can put a CA "in the system store" without touching the machine's).
    public enum SystemRoots: Sendable {
        case platform
        case file(String)
    }

    let context: NIOSSLContext
    /// SNI and NIOSSL's own name check; nil for an IP address (NIOSSL then checks the peer's).
    let serverHostname: String?
    /// verify-full: the name the certificate must carry, checked before any byte is sent.
    let requiredName: ServerName?

    init(for db: Database, systemRoots: SystemRoots = .platform) throws(UpstreamTLSError) {
        guard let endpoint = db.endpoint else {
            throw UpstreamTLSError("database \(quoted(db.name)) has no usable host in its uri")
        }
        let tls = db.tls
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        switch tls.mode {
        case .verifyFull: config.certificateVerification = .fullVerification
        case .verifyCA: config.certificateVerification = .noHostnameVerification
        case .insecure: config.certificateVerification = .none
        }
        let system: NIOSSLTrustRoots
        switch systemRoots {
        case .platform: system = .default
        case .file(let path): system = .file(path)
        }
        let caFile = tls.caCertFile.flatMap { $0.isEmpty ? nil : $0 }
        switch (caFile, tls.trustSystemCertPool) {
        case (let ca?, true):
            config.trustRoots = system
            config.additionalTrustRoots = [.file(ca)]
        case (let ca?, false):
            config.trustRoots = .file(ca)
        case (nil, true):
            config.trustRoots = system
        case (nil, false):
            // Nothing would be trusted: say so now rather than fail every handshake.
            guard tls.mode == .insecure else {
                throw UpstreamTLSError("database \(quoted(db.name)) has tls.trust_system_cert_pool: false and no "
                    + "tls.ca_cert_file, so no certificate could be trusted: set ca_cert_file")
            }
        }
        do {
            context = try NIOSSLContext(configuration: config)
        } catch {
            let ca = caFile.map { " (ca_cert_file \(quoted($0)))" } ?? ""
            throw UpstreamTLSError("cannot set up TLS for \(quoted(db.name))\(ca): \(error)")
        }
        let name = ServerName(tls.serverName.flatMap { $0.isEmpty ? nil : $0 } ?? endpoint.host)
        serverHostname = name.isAddress ? nil : name.description
        requiredName = tls.mode == .verifyFull ? name : nil
    }

    /// The handlers that open TLS on a new upstream channel, in pipeline order: TLS, then (for
    /// verify-full) the name check, which holds every write until the certificate passed.
    func clientHandlers() throws -> [ChannelHandler] {
        let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
        guard let requiredName else { return [tls] }
        return [tls, UpstreamNameCheck(name: requiredName)]
    }

    /// A TLS failure in words an operator can act on (never holding a secret).
    static func describe(_ error: Error) -> String {
        switch error {
        case let error as UpstreamTLSError:
            return error.description
        case NIOSSLError.handshakeFailed(let inner):
            return handshakeFailed + "\(inner)"
        case NIOSSLError.unableToValidateCertificate:
            return "the upstream server's certificate could not be validated"
        case let error as NIOSSLError:
            return "TLS with the upstream server failed: \(error)"
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return handshakeFailed + "\(error)"
        case let error as NIOSSLExtraError:
            return "TLS with the upstream server failed: \(error)"
        default:
            return "cannot reach the upstream server: \(error)"
        }
    }

    static let handshakeFailed =
        "TLS handshake with the upstream server failed (certificate not trusted, or the server name does not match): "
}

/// Why an upstream TLS policy cannot be built or a certificate was refused.
public struct UpstreamTLSError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    static func nameMismatch(_ name: ServerName) -> UpstreamTLSError {
        UpstreamTLSError(UpstreamTLS.handshakeFailed + "the certificate does not name \(name) "
            + "(verify-full checks tls.server_name, else the uri's host)")
    }
}

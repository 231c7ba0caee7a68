import NIOCore
import NIOSSL
import PosternCore

/// Where and how to reach one upstream server: address, and TLS always (no plaintext fallback).
struct PGUpstreamTarget: Sendable {
    let host: String
    let port: Int
    let tls: NIOSSLContext
    /// The name the certificate must carry (and SNI); nil for an IP address, which NIOSSL then
    /// checks against the peer's address.
    let serverHostname: String?
    /// verify-full with a DNS name: the certificate must carry that name. (NIOSSL also accepts a
    /// certificate that merely names the peer's IP address; libpq's verify-full does not.)
    let requiredName: String?

    static func make(for db: Database) throws -> PGUpstreamTarget {
        guard let endpoint = db.endpoint else {
            throw PGUpstreamError(.cannotConnect, "database \(quoted(db.name)) has no usable host in its uri")
        }
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        switch db.tls.mode {
        case .verifyFull: config.certificateVerification = .fullVerification
        case .verifyCA: config.certificateVerification = .noHostnameVerification
        case .insecure: config.certificateVerification = .none
        }
        if let ca = db.tls.caCertFile, !ca.isEmpty {
            config.trustRoots = .file(ca)
        } else {
            config.trustRoots = .default
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: config)
        } catch {
            throw PGUpstreamError(.cannotConnect, "cannot set up TLS for \(quoted(db.name)): \(error)")
        }
        let name = db.tls.serverName.flatMap { $0.isEmpty ? nil : $0 } ?? endpoint.host
        let isAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        return PGUpstreamTarget(host: endpoint.host, port: endpoint.port ?? 5432, tls: context,
                                serverHostname: isAddress ? nil : name,
                                requiredName: db.tls.mode == .verifyFull && !isAddress ? name : nil)
    }
}

/// An upstream failure, worded for the client (never holding a password or token).
struct PGUpstreamError: Error, CustomStringConvertible, Sendable {
    let sqlState: String
    let description: String

    init(_ kind: Kind, _ description: String) {
        self.sqlState = kind.sqlState
        self.description = description
    }

    init(sqlState: String, _ description: String) {
        self.sqlState = sqlState
        self.description = description
    }

    enum Kind {
        case cannotConnect, protocolViolation, authentication

        var sqlState: String {
            switch self {
            case .cannotConnect: return PGWire.SQLState.cannotConnect
            case .protocolViolation: return PGWire.SQLState.protocolViolation
            case .authentication: return PGWire.SQLState.invalidPassword
            }
        }
    }
}

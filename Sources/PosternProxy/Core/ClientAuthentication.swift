/// How a local client proves it may use a listener.
public struct ClientAuthentication: Sendable {
    enum Kind: Sendable {
        /// SCRAM-SHA-256 against a one-time secret (tunnels on loopback TCP).
        case password(SCRAMVerifier)
        /// The Unix socket's peer uid was checked at accept; nothing more is asked.
        case peerCredentials
    }

    let kind: Kind

    /// Clients must know `secret`; only its SCRAM verifier is kept.
    public static func password(_ secret: String) -> ClientAuthentication {
        ClientAuthentication(kind: .password(SCRAMVerifier(password: secret)))
    }

    public static let peerCredentials = ClientAuthentication(kind: .peerCredentials)
}

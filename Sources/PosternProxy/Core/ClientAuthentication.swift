/// How a local client proves it may use a listener.
public struct ClientAuthentication: Sendable {
    enum Kind: Sendable {
        /// SCRAM-SHA-256 against a one-time secret (tunnels on loopback TCP); `digest` is
        /// SHA-256(salt ‖ secret), what a plain AUTH (Redis) is checked against.
        case password(SCRAMVerifier, digest: [UInt8])
        /// The Unix socket's peer uid was checked at accept; nothing more is asked.
        case peerCredentials
    }

    let kind: Kind

    /// Clients must know `secret`, a random one-time value (`postern proxy db` makes 192 bits):
    /// only its SCRAM verifier and a salted digest are kept. The digest checks a plain AUTH with one
    /// hash, not SCRAM's 4,096 rounds: those slow a guess at a chosen password, and cannot make a
    /// random secret harder to guess, but held the event loop several ms (about 8 here) per Redis
    /// connection.
    public static func password(_ secret: String) -> ClientAuthentication {
        let verifier = SCRAMVerifier(password: secret)
        return ClientAuthentication(kind: .password(verifier, digest: digest(secret, salt: verifier.salt)))
    }

    static func digest(_ secret: String, salt: [UInt8]) -> [UInt8] { SCRAM.hash(salt + Array(secret.utf8)) }

    public static let peerCredentials = ClientAuthentication(kind: .peerCredentials)
}

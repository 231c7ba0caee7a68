import Foundation

/// The client side of one SCRAM-SHA-256 exchange with an upstream server. Without channel
/// binding (`n,,`): the upstream TLS is verified by the proxy itself.
struct SCRAMClientExchange {
    enum Failure: Error, Equatable {
        case malformed(String)
        case serverSignatureMismatch
    }

    private let password: String
    private let clientNonce: String
    /// PostgreSQL ignores the SCRAM user name (the StartupMessage's counts) and libpq sends it empty.
    private let user: String
    private var authMessage: [UInt8] = []
    private var saltedPassword: [UInt8] = []

    init(password: String, clientNonce: String = SCRAM.nonce(), user: String = "") {
        self.password = password
        self.clientNonce = clientNonce
        self.user = user
    }

    private static let gs2Header = "n,,"

    var clientFirstBare: String { "n=\(user),r=\(clientNonce)" }
    var clientFirst: String { Self.gs2Header + clientFirstBare }

    /// Takes the server-first message, returns the client-final message.
    mutating func respond(serverFirst: String) throws(Failure) -> String {
        let attributes = SCRAM.attributes(Substring(serverFirst))
        guard let nonce = attributes["r"], nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
            throw .malformed("server nonce")
        }
        guard let saltText = attributes["s"], let salt = Data(base64Encoded: String(saltText)) else {
            throw .malformed("salt")
        }
        guard let iterationText = attributes["i"], let iterations = Int(iterationText), (1...10_000_000).contains(iterations)
        else { throw .malformed("iteration count") }
        saltedPassword = SCRAM.saltedPassword(password, salt: Array(salt), iterations: iterations)
        let withoutProof = "c=\(Data(Self.gs2Header.utf8).base64EncodedString()),r=\(nonce)"
        authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let clientKey = SCRAM.hmac(saltedPassword, Array("Client Key".utf8))
        let signature = SCRAM.hmac(SCRAM.hash(clientKey), authMessage)
        let proof = SCRAM.xor(clientKey, signature)
        return withoutProof + ",p=" + Data(proof).base64EncodedString()
    }

    /// Checks the server's signature, so a server that does not know the password is caught.
    func verify(serverFinal: String) throws(Failure) {
        let attributes = SCRAM.attributes(Substring(serverFinal))
        guard let verifierText = attributes["v"], let signature = Data(base64Encoded: String(verifierText)) else {
            throw .malformed("server-final-message")
        }
        let serverKey = SCRAM.hmac(saltedPassword, Array("Server Key".utf8))
        guard SCRAM.constantTimeEqual(Array(signature), SCRAM.hmac(serverKey, authMessage)) else {
            throw .serverSignatureMismatch
        }
    }
}

import Foundation

/// The server side of one SCRAM-SHA-256 exchange (no channel binding: the local listeners are
/// plain, and not offering -PLUS keeps libpq's default `channel_binding=prefer` working).
struct SCRAMServerExchange {
    enum Failure: Error, Equatable {
        case malformed(String)
        case channelBindingRequested
        case wrongPassword
    }

    private let verifier: SCRAMVerifier
    private var clientFirstBare = ""
    private var serverFirst = ""
    private var gs2Header = ""
    private var combinedNonce = ""

    init(verifier: SCRAMVerifier) { self.verifier = verifier }

    /// Takes the client-first message, returns the server-first message.
    mutating func start(clientFirst: String, serverNonce: String = SCRAM.nonce()) throws(Failure) -> String {
        // gs2-header: "n,," or "y,," (the client could bind but we offered no -PLUS); "p=" needs binding.
        let parts = clientFirst.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("client-first-message") }
        switch parts[0] {
        case "n", "y": break
        case let flag where flag.hasPrefix("p="): throw .channelBindingRequested
        default: throw .malformed("gs2 header")
        }
        guard parts[1].isEmpty || parts[1].hasPrefix("a=") else { throw .malformed("gs2 header") }
        gs2Header = "\(parts[0]),\(parts[1]),"
        clientFirstBare = String(parts[2])
        let attributes = SCRAM.attributes(parts[2])
        guard let clientNonce = attributes["r"], !clientNonce.isEmpty else { throw .malformed("client nonce") }
        combinedNonce = String(clientNonce) + serverNonce
        serverFirst = "r=\(combinedNonce),s=\(Data(verifier.salt).base64EncodedString()),i=\(verifier.iterations)"
        return serverFirst
    }

    /// Checks the client-final message; returns the server-final message on success.
    func finish(clientFinal: String) throws(Failure) -> String {
        guard let proofRange = clientFinal.range(of: ",p=", options: .backwards) else { throw .malformed("client proof") }
        let withoutProof = String(clientFinal[..<proofRange.lowerBound])
        let attributes = SCRAM.attributes(Substring(withoutProof))
        guard let binding = attributes["c"], let bindingData = Data(base64Encoded: String(binding)),
              String(decoding: bindingData, as: UTF8.self) == gs2Header
        else { throw .malformed("channel binding data") }
        guard attributes["r"].map(String.init) == combinedNonce else { throw .malformed("nonce") }
        guard let proof = Data(base64Encoded: String(clientFinal[proofRange.upperBound...])) else {
            throw .malformed("client proof")
        }
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = SCRAM.hmac(verifier.storedKey, authMessage)
        let clientKey = SCRAM.xor(Array(proof), clientSignature)
        guard proof.count == clientSignature.count,
              SCRAM.constantTimeEqual(SCRAM.hash(clientKey), verifier.storedKey)
        else { throw .wrongPassword }
        let serverSignature = SCRAM.hmac(verifier.serverKey, authMessage)
        return "v=" + Data(serverSignature).base64EncodedString()
    }
}

import Crypto
import Foundation

/// The SCRAM-SHA-256 building blocks of RFC 5802 / RFC 7677.
enum SCRAM {
    static let mechanism = "SCRAM-SHA-256"
    static let defaultIterations = 4096

    /// Hi(): PBKDF2 with HMAC-SHA-256, one 32-byte block.
    static func saltedPassword(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: Array(password.utf8))
        var block = salt
        block.append(contentsOf: [0, 0, 0, 1])
        var u = Array(HMAC<SHA256>.authenticationCode(for: block, using: key))
        var result = u
        if iterations > 1 {
            for _ in 1..<iterations {
                u = Array(HMAC<SHA256>.authenticationCode(for: u, using: key))
                for i in 0..<result.count { result[i] ^= u[i] }
            }
        }
        return result
    }

    static func hmac(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    static func hash(_ data: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: data)) }

    static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        zip(a, b).map { $0 ^ $1 }
    }

    /// Equal in time independent of where the inputs differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func nonce() -> String { Data(randomBytes(18)).base64EncodedString() }

    /// `key=value` attributes of a SCRAM message, by their one-letter key.
    static func attributes(_ message: Substring) -> [Character: Substring] {
        var out: [Character: Substring] = [:]
        for part in message.split(separator: ",", omittingEmptySubsequences: false) {
            guard part.count >= 2, let key = part.first, part[part.index(after: part.startIndex)] == "=" else { continue }
            if out[key] == nil { out[key] = part.dropFirst(2) }
        }
        return out
    }
}

/// A password's SCRAM verifier: what a server keeps instead of the password.
struct SCRAMVerifier: Sendable {
    let salt: [UInt8]
    let iterations: Int
    let storedKey: [UInt8]
    let serverKey: [UInt8]

    init(password: String, salt: [UInt8] = SCRAM.randomBytes(16), iterations: Int = SCRAM.defaultIterations) {
        self.salt = salt
        self.iterations = iterations
        let salted = SCRAM.saltedPassword(password, salt: salt, iterations: iterations)
        storedKey = SCRAM.hash(SCRAM.hmac(salted, Array("Client Key".utf8)))
        serverKey = SCRAM.hmac(salted, Array("Server Key".utf8))
    }
}

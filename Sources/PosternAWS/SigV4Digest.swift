import Crypto

/// The hash and HMAC primitives of SigV4, on swift-crypto.
enum SigV4Digest {
    /// SHA-256 of the empty string: the payload hash of bodiless requests and presigned URLs.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        hex(SHA256.hash(data: Array(bytes)))
    }

    static func sha256Hex(_ string: String) -> String {
        sha256Hex(Array(string.utf8))
    }

    static func hmac(key: some Sequence<UInt8>, _ message: String) -> [UInt8] {
        let code = HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array(key)))
        return Array(code)
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    static func signingKey(secretAccessKey: String, date: String, region: String, service: String) -> [UInt8] {
        let kDate = hmac(key: Array("AWS4\(secretAccessKey)".utf8), date)
        let kRegion = hmac(key: kDate, region)
        let kService = hmac(key: kRegion, service)
        return hmac(key: kService, "aws4_request")
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        for byte in bytes {
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

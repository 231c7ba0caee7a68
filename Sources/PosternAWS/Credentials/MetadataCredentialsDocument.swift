import Foundation

/// The JSON both the ECS container endpoint and EC2 instance metadata return.
struct MetadataCredentialsDocument: Decodable {
    var Code: String?
    var Message: String?
    var AccessKeyId: String?
    var SecretAccessKey: String?
    var Token: String?
    var Expiration: String?

    /// The credentials, or why the document does not hold usable ones (never a secret).
    static func parse(_ body: [UInt8], provider: String) throws -> AWSCredentials {
        guard let document = try? JSONDecoder().decode(Self.self, from: Data(body)) else {
            throw AWSCredentialError.retrievalFailed(provider: provider, reason: "the answer is not a credentials document")
        }
        if let code = document.Code, code != "Success" {
            throw AWSCredentialError.retrievalFailed(
                provider: provider, reason: "Code \(code)" + (document.Message.map { ": \($0)" } ?? ""))
        }
        guard let accessKey = document.AccessKeyId, !accessKey.isEmpty,
            let secret = document.SecretAccessKey, !secret.isEmpty
        else {
            throw AWSCredentialError.retrievalFailed(
                provider: provider, reason: "the answer lacks AccessKeyId or SecretAccessKey")
        }
        var expiration: Date?
        if let text = document.Expiration {
            guard let date = AWSXML.parseDate(text) else {
                throw AWSCredentialError.retrievalFailed(provider: provider, reason: "Expiration \(text) is not a time")
            }
            expiration = date
        }
        return AWSCredentials(
            accessKeyId: accessKey, secretAccessKey: secret,
            sessionToken: document.Token.flatMap { $0.isEmpty ? nil : $0 }, expiration: expiration)
    }
}

extension AWSServiceEndpoint {
    /// A plain (unsigned) request to `path` under this endpoint.
    func request(method: String, path: String, headers: [AWSHeader] = []) -> SigV4Request {
        let base = self.path.hasSuffix("/") ? String(self.path.dropLast()) : self.path
        return SigV4Request(method: method, scheme: scheme, host: host, port: port, path: base + path, headers: headers)
    }

    /// `127.0.0.0/8`, `::1` or `localhost`.
    var isLoopback: Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".")
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

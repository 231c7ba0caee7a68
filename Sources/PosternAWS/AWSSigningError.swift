import Foundation

/// Why a request or token could not be signed. No case carries a secret key or session
/// token, so these errors are safe to log and show.
public enum AWSSigningError: Error, Sendable, Equatable {
    case missingAccessKeyId
    case missingSecretAccessKey
    /// A region must be non-empty and made of letters, digits, `-`, `_` or `.`.
    case invalidRegion(String)
    /// A signing name must be non-empty and made of letters, digits, `-`, `_` or `.`.
    case invalidService(String)
    /// Presigned URLs live between 1 second and 7 days.
    case invalidExpiry(seconds: Int)
    /// A host must be a plain DNS name or bracketed IPv6 literal, with no path, port or user.
    case invalidHost(String)
    case invalidPort(Int)
    /// Database and cache tokens name a user; an empty one can never authenticate.
    case missingUser
}

extension AWSSigningError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .missingAccessKeyId:
            return "AWS credentials have an empty access key id"
        case .missingSecretAccessKey:
            return "AWS credentials have an empty secret access key"
        case .invalidRegion(let region):
            return "not a valid AWS region: \(Self.quoted(region))"
        case .invalidService(let service):
            return "not a valid AWS signing name: \(Self.quoted(service))"
        case .invalidExpiry(let seconds):
            return "presigned expiry must be 1...604800 seconds, got \(seconds)"
        case .invalidHost(let host):
            return "not a valid host name: \(Self.quoted(host))"
        case .invalidPort(let port):
            return "port must be 1...65535, got \(port)"
        case .missingUser:
            return "an IAM auth token needs a non-empty user name"
        }
    }

    public var errorDescription: String? { description }

    // Quoting shows stray whitespace; the cap keeps a pasted blob out of logs.
    private static func quoted(_ text: String) -> String {
        let limit = 120
        let shown = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return "\"" + shown.unicodeScalars.map { $0.escaped(asASCII: true) }.joined() + "\""
    }
}

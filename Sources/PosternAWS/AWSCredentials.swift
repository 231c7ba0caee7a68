import Foundation

/// A set of AWS credentials: long-lived keys, or temporary ones with a session token.
///
/// The secret key and session token never appear in `description`, `debugDescription` or
/// `dump(_:)` output, so a credential value can be interpolated into a log line or an error
/// without leaking; read the properties explicitly where the secret is really needed.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; `nil` for long-lived keys.
    public var expiration: Date?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// Whether the credentials carry a session token (STS, SSO, container or instance roles).
    public var isTemporary: Bool { sessionToken != nil }

    /// Whether the credentials have expired, or will within `margin` seconds of `date`.
    public func isExpired(at date: Date = Date(), margin: TimeInterval = 0) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(date) <= margin
    }
}

extension AWSCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var text = "AWSCredentials(accessKeyId: \(accessKeyId), secretAccessKey: \(Redacted.marker)"
        text += ", sessionToken: \(sessionToken == nil ? "nil" : Redacted.marker)"
        if let expiration {
            text += ", expiration: \(AMZDate(expiration).iso8601)"
        }
        return text + ")"
    }

    public var debugDescription: String { description }

    // Without this, dump() and Mirror-based loggers would print the stored secret.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyId": accessKeyId,
                "secretAccessKey": Redacted.marker,
                "sessionToken": sessionToken == nil ? "nil" : Redacted.marker,
                "expiration": expiration.map { AMZDate($0).iso8601 } ?? "nil",
            ],
            displayStyle: .struct
        )
    }
}

/// The placeholder printed in place of secrets.
enum Redacted {
    static let marker = "<redacted>"
}

import Foundation

/// A short-lived IAM database or cache password: a presigned URL without its scheme,
/// `host[:port]/?Action=…&X-Amz-Signature=…`.
///
/// The token is a bearer credential for its lifetime, so printing one shows only where it is
/// for and when it expires; pass `value` explicitly as the password.
public struct IAMAuthToken: Sendable, Equatable {
    /// The password text to send.
    public let value: String
    /// The signing time, to the second.
    public let issuedAt: Date
    /// When the service stops accepting it.
    public let expiresAt: Date

    public init(value: String, issuedAt: Date, expiresAt: Date) {
        self.value = value
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    /// Whether the token is expired, or will be within `margin` seconds of `date`; a connection
    /// pool renews tokens with some margin rather than racing the deadline.
    public func isExpired(at date: Date = Date(), margin: TimeInterval = 0) -> Bool {
        expiresAt.timeIntervalSince(date) <= margin
    }

    /// The part before `/?`: what the token was signed for.
    var target: String {
        value.range(of: "/?").map { String(value[..<$0.lowerBound]) } ?? ""
    }
}

extension IAMAuthToken: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "IAMAuthToken(for: \(target), expiresAt: \(AMZDate(expiresAt).iso8601), value: \(Redacted.marker))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["for": target, "expiresAt": AMZDate(expiresAt).iso8601, "value": Redacted.marker],
            displayStyle: .struct
        )
    }
}

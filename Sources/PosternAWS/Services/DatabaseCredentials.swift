import Foundation

/// A temporary database user name and password (Redshift `GetClusterCredentials`,
/// `GetClusterCredentialsWithIAM`, Redshift Serverless `GetCredentials`). The password never
/// appears in `description`, `debugDescription` or `dump(_:)`.
public struct DatabaseCredentials: Sendable, Equatable {
    /// The user to sign in as; AWS may have prefixed it (`IAM:alice`, `IAMR:role`).
    public var user: String
    public var password: String
    public var expiration: Date?

    public init(user: String, password: String, expiration: Date?) {
        self.user = user
        self.password = password
        self.expiration = expiration
    }
}

extension DatabaseCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let expires = expiration.map { ", expiration: \(AMZDate($0).iso8601)" } ?? ""
        return "DatabaseCredentials(user: \(user), password: \(Redacted.marker)\(expires))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: [
            "user": user, "password": Redacted.marker,
            "expiration": expiration.map { AMZDate($0).iso8601 } ?? "nil",
        ], displayStyle: .struct)
    }
}

import Foundation
import PosternAWS
import PosternCore

/// What the proxy signs in upstream with. The password is a secret: it is sent to the server
/// and nowhere else (never logged, never in an error or an event).
public struct UpstreamLogin: Sendable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }
}

extension UpstreamLogin: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "UpstreamLogin(user: \(user), password: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["user": user, "password": "<redacted>"]) }
}

/// Produces the upstream login for a route; asked once per upstream connect (tokens are short-lived).
public protocol UpstreamCredentialSource: Sendable {
    func login(for route: Route) async throws -> UpstreamLogin
}

/// A failure to obtain upstream credentials, worded for the client; never holds the secret.
public struct UpstreamCredentialError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Supplies AWS credentials for a database's `aws` block (the AWS credential chain, STS).
public protocol AWSCredentialSource: Sendable {
    func credentials(for aws: DatabaseAWS) async throws -> AWSCredentials
}

/// Supplies Redshift temporary credentials (GetClusterCredentials) for a route.
public protocol RedshiftLoginSource: Sendable {
    func login(for route: Route) async throws -> UpstreamLogin
}

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

/// Supplies the AWS credentials to sign a database's IAM tokens with (the AWS credential chain,
/// then the database's `assume_role_arn`).
public protocol DatabaseAWSCredentials: Sendable {
    func credentials(for database: Database) async throws -> AWSCredentials
}

/// The SDK credential chain and STS role chaining of `AWSSessionChain`.
public struct SessionChainAWSCredentials: DatabaseAWSCredentials {
    public let chain: AWSSessionChain

    public init(_ chain: AWSSessionChain) { self.chain = chain }

    public func credentials(for database: Database) async throws -> AWSCredentials {
        try await chain.credentials(for: database).credentials()
    }
}

/// Supplies Redshift temporary credentials (GetClusterCredentials) for a route.
public protocol RedshiftLoginSource: Sendable {
    func login(for route: Route) async throws -> UpstreamLogin
}

/// Redshift and Redshift Serverless temporary credentials (GetClusterCredentials,
/// GetClusterCredentialsWithIAM, GetCredentials); the user AWS returns (`IAM:alice`) signs in.
public struct RedshiftSessionLogins: RedshiftLoginSource {
    public let session: RedshiftAuth.Session

    public init(_ session: RedshiftAuth.Session) { self.session = session }

    public func login(for route: Route) async throws -> UpstreamLogin {
        let credentials = try await RedshiftAuth.credentials(for: route.database, dbUser: route.dbUser,
                                                             dbName: route.dbName, session: session)
        return UpstreamLogin(user: credentials.user, password: credentials.password)
    }
}

/// Which provider of the chain supplied credentials, and from where; `whoami` shows it.
public struct AWSCredentialSource: Sendable, Equatable, CustomStringConvertible {
    public enum Provider: String, Sendable, CaseIterable {
        case environment = "env"
        case assumeRole = "assume-role"
        case webIdentity = "assume-role-with-web-identity"
        case sharedCredentialsFile = "shared-credentials-file"
        case configFile = "config-file"
        case container = "container-role"
        case instanceMetadata = "iam-role"
        case `static` = "static"
    }

    /// The provider, named as botocore's `Credentials.method` names it.
    public var provider: Provider
    /// Where exactly: the profile, file, role or endpoint. Never a secret.
    public var detail: String

    public init(_ provider: Provider, _ detail: String = "") {
        self.provider = provider
        self.detail = detail
    }

    public var description: String {
        detail.isEmpty ? provider.rawValue : "\(provider.rawValue) (\(detail))"
    }
}

/// Credentials together with where they came from.
public struct AWSResolvedCredentials: Sendable, Equatable, CustomStringConvertible {
    public var credentials: AWSCredentials
    public var source: AWSCredentialSource

    public init(credentials: AWSCredentials, source: AWSCredentialSource) {
        self.credentials = credentials
        self.source = source
    }

    public var description: String { "\(credentials) from \(source)" }
}

/// A provider that also says where its credentials came from.
public protocol AWSSourcedCredentialsProvider: AWSCredentialsProvider {
    func resolve() async throws -> AWSResolvedCredentials
}

extension AWSSourcedCredentialsProvider {
    public func credentials() async throws -> AWSCredentials {
        try await resolve().credentials
    }
}

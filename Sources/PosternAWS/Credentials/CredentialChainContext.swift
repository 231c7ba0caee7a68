import Foundation

/// What every provider of the chain reads: the environment and files it was given (never the
/// process's own), the shared profiles, the transport and the clock.
struct CredentialChainContext: Sendable {
    let environment: [String: String]
    let files: any AWSFileReader
    let transport: any AWSTransport
    let now: @Sendable () -> Date
    let config: AWSSharedConfig
    /// The profile in use and whether someone named it (explicitly, `AWS_PROFILE` or
    /// `AWS_DEFAULT_PROFILE`) rather than it being `default` by default.
    let profileName: String
    let profileNamed: Bool
    /// Where `AWS_PROFILE` style selection came from, for messages.
    let profileOrigin: String
    /// Region for STS calls the providers make.
    let region: String
    /// The ECS task metadata `host[:port]` for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`; tests
    /// point it at loopback.
    let containerHost: String

    func env(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    func profile(_ name: String) -> [String: String]? { config.profile(name) }

    /// The profile in use, or an error when it was named but exists nowhere.
    func selectedProfile() throws -> [String: String]? {
        if let profile = profile(profileName) { return profile }
        if profileNamed {
            throw AWSCredentialError.profileNotFound(
                profile: profileName, configPath: config.configPath, credentialsPath: config.credentialsPath)
        }
        return nil
    }

    func sts(credentials: (any AWSCredentialsProvider)?) throws -> AWSSTS {
        try AWSSTS(region: region, environment: environment, credentials: credentials, transport: transport)
    }
}

/// One provider of the chain.
protocol CredentialChainLink: Sendable {
    /// botocore's method name for it (`env`, `assume-role`, `iam-role`).
    var name: String { get }
    /// `.skipped(reason)` when it does not apply; throws when it applies but fails.
    func load(_ context: CredentialChainContext) async throws -> CredentialLinkOutcome
}

enum CredentialLinkOutcome: Sendable {
    case skipped(String)
    case found(AWSResolvedCredentials)
}

import Foundation

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (or the older
/// `AWS_SECURITY_TOKEN`), `AWS_CREDENTIAL_EXPIRATION`. The access key alone decides whether it
/// applies, as in botocore; then a missing secret is an error, not a fall-through.
struct EnvironmentCredentialLink: CredentialChainLink {
    let name = AWSCredentialSource.Provider.environment.rawValue

    func load(_ context: CredentialChainContext) async throws -> CredentialLinkOutcome {
        guard let accessKey = context.env("AWS_ACCESS_KEY_ID") else {
            let reason = context.env("AWS_SECRET_ACCESS_KEY") == nil
                ? "AWS_ACCESS_KEY_ID is not set"
                : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"
            return .skipped(reason)
        }
        guard let secret = context.env("AWS_SECRET_ACCESS_KEY") else {
            throw AWSCredentialError.partialCredentials(provider: name, missing: "AWS_SECRET_ACCESS_KEY")
        }
        var expiration: Date?
        if let text = context.env("AWS_CREDENTIAL_EXPIRATION") {
            guard let date = AWSXML.parseDate(text) else {
                throw AWSCredentialError.invalidConfig("AWS_CREDENTIAL_EXPIRATION=\(text) is not an ISO 8601 time")
            }
            expiration = date
        }
        let credentials = AWSCredentials(
            accessKeyId: accessKey, secretAccessKey: secret,
            sessionToken: context.env("AWS_SESSION_TOKEN") ?? context.env("AWS_SECURITY_TOKEN"),
            expiration: expiration)
        return .found(AWSResolvedCredentials(credentials: credentials, source: AWSCredentialSource(.environment)))
    }
}

/// Keys written into one of the shared files for the selected profile.
struct ProfileKeysCredentialLink: CredentialChainLink {
    enum File: Sendable { case credentials, config }
    let file: File

    var name: String {
        file == .credentials
            ? AWSCredentialSource.Provider.sharedCredentialsFile.rawValue
            : AWSCredentialSource.Provider.configFile.rawValue
    }

    func load(_ context: CredentialChainContext) async throws -> CredentialLinkOutcome {
        _ = try context.selectedProfile()
        let profiles = file == .credentials ? context.config.credentialProfiles : context.config.configProfiles
        let path = file == .credentials ? context.config.credentialsPath : context.config.configPath
        guard let profile = profiles[context.profileName] else {
            return .skipped("no profile \"\(context.profileName)\" in \(path)")
        }
        guard let keys = try Self.staticCredentials(profile, provider: name) else {
            let unsupported = Self.unsupportedKeys.filter { profile[$0] != nil }
            return .skipped(
                "profile \"\(context.profileName)\" in \(path) has no aws_access_key_id"
                    + (unsupported.isEmpty
                        ? "" : " (it sets \(unsupported.joined(separator: ", ")), which Postern does not support)"))
        }
        let provider: AWSCredentialSource.Provider = file == .credentials ? .sharedCredentialsFile : .configFile
        return .found(
            AWSResolvedCredentials(
                credentials: keys, source: AWSCredentialSource(provider, "profile \(context.profileName), \(path)")))
    }

    /// Settings of SDK providers Postern leaves out (SSO, credential_process), named when a
    /// profile relies on them so the operator is not left guessing.
    static let unsupportedKeys = ["credential_process", "sso_session", "sso_start_url", "login_session"]

    /// The profile's keys; nil when it has none; an error when only one of the pair is there.
    static func staticCredentials(_ profile: [String: String], provider: String) throws -> AWSCredentials? {
        let accessKey = profile["aws_access_key_id"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = profile["aws_secret_access_key"].flatMap { $0.isEmpty ? nil : $0 }
        switch (accessKey, secret) {
        case (nil, nil):
            return nil
        case (nil, _):
            throw AWSCredentialError.partialCredentials(provider: provider, missing: "aws_access_key_id")
        case (_, nil):
            throw AWSCredentialError.partialCredentials(provider: provider, missing: "aws_secret_access_key")
        case (let accessKey?, let secret?):
            let token = profile["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
            return AWSCredentials(accessKeyId: accessKey, secretAccessKey: secret, sessionToken: token)
        }
    }
}

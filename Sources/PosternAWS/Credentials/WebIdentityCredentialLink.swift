import Foundation

/// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` [+ `AWS_ROLE_SESSION_NAME`], or the profile's
/// `web_identity_token_file` / `role_arn` / `role_session_name` (the environment wins, as in
/// botocore). The token file is read again on every refresh: Kubernetes rotates it.
struct WebIdentityCredentialLink: CredentialChainLink {
    let name = AWSCredentialSource.Provider.webIdentity.rawValue
    /// When resolving a source profile, only that profile's settings count.
    var useEnvironment = true
    var profileName: String?

    func load(_ context: CredentialChainContext) async throws -> CredentialLinkOutcome {
        let profile = try (profileName.map(context.profile) ?? context.selectedProfile()) ?? [:]
        func setting(_ key: String, _ variable: String) -> String? {
            if useEnvironment, let value = context.env(variable) { return value }
            return profile[key].flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let tokenFile = setting("web_identity_token_file", "AWS_WEB_IDENTITY_TOKEN_FILE") else {
            return .skipped("AWS_WEB_IDENTITY_TOKEN_FILE is not set and the profile has no web_identity_token_file")
        }
        guard let roleARN = setting("role_arn", "AWS_ROLE_ARN") else {
            throw AWSCredentialError.invalidConfig(
                "web identity is configured (token file \(tokenFile)) but no role ARN is (AWS_ROLE_ARN or role_arn)")
        }
        let sessionName = setting("role_session_name", "AWS_ROLE_SESSION_NAME")
            ?? AWSAssumeRoleRequest.defaultSessionName(at: context.now())
        guard let token = try context.files.read(tokenFile)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !token.isEmpty
        else {
            throw AWSCredentialError.retrievalFailed(provider: name, reason: "the token file \(tokenFile) is missing or empty")
        }
        let assumed = try await context.sts(credentials: nil).assumeRoleWithWebIdentity(
            roleARN: roleARN, sessionName: sessionName, webIdentityToken: token)
        return .found(
            AWSResolvedCredentials(
                credentials: assumed.credentials,
                source: AWSCredentialSource(.webIdentity, "\(assumed.assumedRoleARN), token \(tokenFile)")))
    }
}

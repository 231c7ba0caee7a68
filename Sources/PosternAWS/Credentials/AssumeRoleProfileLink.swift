import Foundation

/// A profile with `role_arn` (and no `web_identity_token_file`): the source credentials come
/// from `source_profile` (its keys, its own role, or its web identity, recursively) or from
/// `credential_source` (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`); then
/// sts:AssumeRole with the profile's `external_id`, `role_session_name` and `duration_seconds`.
struct AssumeRoleProfileLink: CredentialChainLink {
    let name = AWSCredentialSource.Provider.assumeRole.rawValue

    static let credentialSources = ["Environment", "Ec2InstanceMetadata", "EcsContainer"]

    func load(_ context: CredentialChainContext) async throws -> CredentialLinkOutcome {
        guard let profile = try context.selectedProfile() else {
            return .skipped("no profile \"\(context.profileName)\" in the shared files")
        }
        guard Self.assumesRole(profile) else {
            return .skipped("profile \"\(context.profileName)\" has no role_arn")
        }
        return .found(try await assume(profile: context.profileName, visited: [context.profileName], context))
    }

    static func assumesRole(_ profile: [String: String]) -> Bool {
        profile["role_arn"] != nil && profile["web_identity_token_file"] == nil
    }

    private func assume(profile name: String, visited: [String], _ context: CredentialChainContext) async throws
        -> AWSResolvedCredentials
    {
        let profile = context.profile(name) ?? [:]
        let roleARN = profile["role_arn"] ?? ""
        if profile["mfa_serial"] != nil {
            throw AWSCredentialError.invalidConfig(
                "profile \"\(name)\" needs an MFA code (mfa_serial); Postern cannot prompt for one")
        }
        let source: AWSResolvedCredentials
        switch (profile["source_profile"], profile["credential_source"]) {
        case (_?, _?):
            throw AWSCredentialError.invalidConfig(
                "the profile \"\(name)\" contains both source_profile and credential_source")
        case (nil, nil):
            throw AWSCredentialError.partialCredentials(
                provider: self.name, missing: "source_profile or credential_source in profile \"\(name)\"")
        case (nil, let credentialSource?):
            source = try await fromCredentialSource(credentialSource, profile: name, context)
        case (let sourceProfile?, nil):
            source = try await fromSourceProfile(sourceProfile, parent: name, visited: visited, context)
        }
        var request = AWSAssumeRoleRequest(
            roleARN: roleARN,
            sessionName: profile["role_session_name"] ?? AWSAssumeRoleRequest.defaultSessionName(at: context.now()),
            externalID: profile["external_id"])
        if let duration = profile["duration_seconds"] {
            guard let seconds = Int(duration) else {
                throw AWSCredentialError.invalidConfig("duration_seconds=\(duration) in profile \"\(name)\" is not a number")
            }
            request.durationSeconds = seconds
        }
        let assumed = try await context.sts(credentials: StaticCredentialsProvider(source.credentials))
            .assumeRole(request)
        return AWSResolvedCredentials(
            credentials: assumed.credentials,
            source: AWSCredentialSource(
                .assumeRole, "profile \(name): \(assumed.assumedRoleARN), source \(source.source)"))
    }

    private func fromCredentialSource(_ credentialSource: String, profile: String, _ context: CredentialChainContext)
        async throws -> AWSResolvedCredentials
    {
        let link: any CredentialChainLink
        switch credentialSource {
        case "Environment": link = EnvironmentCredentialLink()
        case "Ec2InstanceMetadata": link = InstanceMetadataCredentialLink()
        case "EcsContainer": link = ContainerCredentialLink()
        default:
            throw AWSCredentialError.invalidConfig(
                "the credential_source \"\(credentialSource)\" in profile \"\(profile)\" is not one of "
                    + Self.credentialSources.joined(separator: ", "))
        }
        switch try await link.load(context) {
        case .found(let resolved):
            return resolved
        case .skipped(let reason):
            throw AWSCredentialError.retrievalFailed(
                provider: credentialSource,
                reason: "no credentials found in the credential_source of profile \"\(profile)\": \(reason)")
        }
    }

    private func fromSourceProfile(
        _ name: String, parent: String, visited: [String], _ context: CredentialChainContext
    ) async throws -> AWSResolvedCredentials {
        guard let profile = context.profile(name) else {
            throw AWSCredentialError.invalidConfig(
                "the source_profile \"\(name)\" referenced in the profile \"\(parent)\" does not exist")
        }
        let hasKeys = profile["aws_access_key_id"] != nil || profile["aws_secret_access_key"] != nil
        // A profile may name itself to take keys from its own section; any other revisit is a loop.
        if visited.contains(name), name != parent || !hasKeys {
            throw AWSCredentialError.invalidConfig(
                "infinite loop in source_profile: \((visited + [name]).joined(separator: " -> "))")
        }
        if hasKeys, let keys = try ProfileKeysCredentialLink.staticCredentials(profile, provider: self.name) {
            return AWSResolvedCredentials(credentials: keys, source: AWSCredentialSource(.static, "profile \(name) keys"))
        }
        if Self.assumesRole(profile) {
            return try await assume(profile: name, visited: visited + [name], context)
        }
        if case .found(let resolved) = try await WebIdentityCredentialLink(useEnvironment: false, profileName: name)
            .load(context)
        {
            return resolved
        }
        throw AWSCredentialError.invalidConfig("the source profile \"\(name)\" must have credentials")
    }
}

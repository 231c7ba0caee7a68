import Foundation

/// Why the chain produced no credentials. No case carries a secret.
public enum AWSCredentialError: Error, Sendable, Equatable {
    /// Every provider was tried; each says why it did not apply.
    case noCredentials(tried: [AWSCredentialAttempt])
    /// A provider applies but its settings are incomplete (`AWS_ACCESS_KEY_ID` without
    /// `AWS_SECRET_ACCESS_KEY`, a profile key without its partner).
    case partialCredentials(provider: String, missing: String)
    /// The named profile (`AWS_PROFILE`, `AWS_DEFAULT_PROFILE` or explicit) exists in neither file.
    case profileNotFound(profile: String, configPath: String, credentialsPath: String)
    /// A profile's settings contradict each other or point nowhere.
    case invalidConfig(String)
    /// A provider applies but could not deliver (an HTTP error from the container endpoint,
    /// an unreadable token file, a malformed answer).
    case retrievalFailed(provider: String, reason: String)
    case unreadableFile(path: String, reason: String)
}

/// One provider the chain tried and why it did not apply.
public struct AWSCredentialAttempt: Sendable, Equatable, CustomStringConvertible {
    public var provider: String
    public var reason: String

    public init(provider: String, reason: String) {
        self.provider = provider
        self.reason = reason
    }

    public var description: String { "\(provider): \(reason)" }
}

extension AWSCredentialError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .noCredentials(let tried):
            return "NoCredentialProviders: no valid providers in chain; tried:\n"
                + tried.map { "  - \($0)" }.joined(separator: "\n")
                + "\nSet AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE with a profile in the shared "
                + "files, web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), or run where a container "
                + "or instance role is attached."
        case .partialCredentials(let provider, let missing):
            return "partial credentials from \(provider): \(missing) is missing"
        case .profileNotFound(let profile, let configPath, let credentialsPath):
            return "the AWS profile \"\(profile)\" is in neither \(configPath) nor \(credentialsPath)"
        case .invalidConfig(let message):
            return "invalid AWS configuration: \(message)"
        case .retrievalFailed(let provider, let reason):
            return "\(provider) could not supply credentials: \(reason)"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}

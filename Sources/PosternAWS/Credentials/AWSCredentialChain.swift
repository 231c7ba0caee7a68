import Foundation

/// The AWS SDK default credential chain, in botocore's order:
/// environment keys → assume-role profile → web identity → shared credentials file → config
/// file → container endpoint → EC2 instance metadata.
///
/// It reads only the environment dictionary and file reader it is given. The first provider
/// that applies is kept, as the SDKs keep it, and asked again when its temporary credentials
/// come within `refreshMargin` of expiring; concurrent callers share one fetch. When no
/// provider applies, the error lists each with the reason it did not.
public final class AWSCredentialChain: AWSSourcedCredentialsProvider, CustomStringConvertible {
    /// The region the environment and profile name (`AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// profile's `region`), if any.
    public let region: String?
    /// The profile in use (`default` unless named).
    public let profileName: String

    private let cache: AWSRefreshingCredentials
    private let selector: ChainSelector

    /// - Parameters:
    ///   - environment: the variables to read (pass `ProcessInfo.processInfo.environment` in
    ///     the CLI; tests pass their own).
    ///   - profile: an explicitly chosen profile; like botocore's `Session(profile=)` it also
    ///     turns the environment-keys provider off.
    ///   - fallbackRegion: used for STS calls when neither the environment nor the profile
    ///     names a region (a database's `aws.region`, say); else `us-east-1`.
    public convenience init(
        environment: [String: String],
        files: any AWSFileReader = LocalAWSFileReader(),
        transport: any AWSTransport,
        profile: String? = nil,
        fallbackRegion: String? = nil,
        refreshMargin: TimeInterval = AWSRefreshingCredentials.defaultRefreshMargin,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.init(
            environment: environment, files: files, transport: transport, profile: profile,
            fallbackRegion: fallbackRegion, refreshMargin: refreshMargin, now: now, containerHost: "169.254.170.2")
    }

    /// `containerHost` replaces ECS's 169.254.170.2 for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
    /// (tests only: they must never reach a link-local address).
    init(
        environment: [String: String], files: any AWSFileReader, transport: any AWSTransport, profile: String?,
        fallbackRegion: String?, refreshMargin: TimeInterval, now: @escaping @Sendable () -> Date,
        containerHost: String
    ) {
        let named: (name: String, origin: String)? =
            profile.map { ($0, "explicit") }
            ?? environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : ($0, "AWS_PROFILE") }
            ?? environment["AWS_DEFAULT_PROFILE"].flatMap { $0.isEmpty ? nil : ($0, "AWS_DEFAULT_PROFILE") }
        let profileName = named?.name ?? "default"
        let loaded = Result { try AWSSharedConfig.load(environment: environment, files: files) }
        let region = AWSRegion.resolve(environment: environment, profile: (try? loaded.get())?.profile(profileName))
        self.region = region
        self.profileName = profileName

        var links: [any CredentialChainLink] = [
            AssumeRoleProfileLink(), WebIdentityCredentialLink(),
            ProfileKeysCredentialLink(file: .credentials), ProfileKeysCredentialLink(file: .config),
            ContainerCredentialLink(), InstanceMetadataCredentialLink(),
        ]
        if profile == nil { links.insert(EnvironmentCredentialLink(), at: 0) }
        let selector = ChainSelector(
            links: links,
            makeContext: { config in
                CredentialChainContext(
                    environment: environment, files: files, transport: transport, now: now, config: config,
                    profileName: profileName, profileNamed: named != nil, profileOrigin: named?.origin ?? "default",
                    region: region ?? fallbackRegion ?? "us-east-1", containerHost: containerHost)
            },
            config: loaded)
        self.selector = selector
        cache = AWSRefreshingCredentials(refreshMargin: refreshMargin, now: now) { try await selector.fetch() }
    }

    public func resolve() async throws -> AWSResolvedCredentials {
        try await cache.resolve()
    }

    /// Forgets cached credentials (not the chosen provider), so the next call fetches anew.
    public func invalidate() async {
        await cache.invalidate()
    }

    public var description: String { "AWSCredentialChain(profile: \(profileName))" }
}

/// Walks the links once, then keeps the one that answered.
private actor ChainSelector {
    private let links: [any CredentialChainLink]
    private let makeContext: @Sendable (AWSSharedConfig) -> CredentialChainContext
    private let config: Result<AWSSharedConfig, any Error>
    private var selected: (any CredentialChainLink)?

    init(
        links: [any CredentialChainLink], makeContext: @escaping @Sendable (AWSSharedConfig) -> CredentialChainContext,
        config: Result<AWSSharedConfig, any Error>
    ) {
        self.links = links
        self.makeContext = makeContext
        self.config = config
    }

    func fetch() async throws -> AWSResolvedCredentials {
        let context = makeContext(try config.get())
        if let selected {
            switch try await selected.load(context) {
            case .found(let resolved): return resolved
            case .skipped(let reason):
                throw AWSCredentialError.retrievalFailed(provider: selected.name, reason: reason)
            }
        }
        var tried: [AWSCredentialAttempt] = []
        for link in links {
            switch try await link.load(context) {
            case .found(let resolved):
                selected = link
                return resolved
            case .skipped(let reason):
                tried.append(AWSCredentialAttempt(provider: link.name, reason: reason))
            }
        }
        throw AWSCredentialError.noCredentials(tried: tried)
    }
}

/// Region as the SDKs resolve it: `AWS_REGION` (Go, Java), `AWS_DEFAULT_REGION` (botocore),
/// then the profile's `region`.
public enum AWSRegion {
    public static func resolve(environment: [String: String], profile: [String: String]?) -> String? {
        for value in [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"], profile?["region"]] {
            if let value, !value.isEmpty { return value }
        }
        return nil
    }
}

import Foundation

/// Credentials of an assumed role: sts:AssumeRole with credentials from `source`, cached and
/// refreshed before they expire (concurrent callers share one call).
public final class AWSAssumeRoleProvider: AWSSourcedCredentialsProvider, CustomStringConvertible {
    public let request: AWSAssumeRoleRequest
    private let cache: AWSRefreshingCredentials

    /// - Parameters:
    ///   - source: whose credentials call AssumeRole (the chain, or the previous hop).
    ///   - region: the STS region; `environment` may override the endpoint.
    public init(
        request: AWSAssumeRoleRequest, source: any AWSCredentialsProvider, region: String,
        environment: [String: String], transport: any AWSTransport,
        refreshMargin: TimeInterval = AWSRefreshingCredentials.defaultRefreshMargin,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        let sts = try AWSSTS(region: region, environment: environment, credentials: source, transport: transport)
        self.request = request
        cache = AWSRefreshingCredentials(refreshMargin: refreshMargin, now: now) {
            let assumed = try await sts.assumeRole(request)
            var detail = assumed.assumedRoleARN
            if let sourced = source as? any AWSSourcedCredentialsProvider {
                detail += ", source \(try await sourced.resolve().source)"
            }
            return AWSResolvedCredentials(credentials: assumed.credentials, source: AWSCredentialSource(.assumeRole, detail))
        }
    }

    public func resolve() async throws -> AWSResolvedCredentials {
        try await cache.resolve()
    }

    public var description: String { "AWSAssumeRoleProvider(\(request.roleARN))" }
}

import Foundation
import PosternCore

/// Credentials for reaching one database, chained as Teleport's Database Service chains them:
/// the base credentials (the SDK chain) assume the database's `assume_role_arn` (with its
/// `external_id`) first, then, where the database type signs in as an IAM role, that role.
/// Each hop is a cached provider, shared by every connection that takes the same path.
public actor AWSSessionChain {
    private let base: any AWSCredentialsProvider
    private let baseRegion: String?
    private let environment: [String: String]
    private let transport: any AWSTransport
    private let sessionName: String
    private var hops: [HopKey: AWSAssumeRoleProvider] = [:]

    private struct HopKey: Hashable {
        var region: String
        var path: [AWSAssumeRoleRequest]
    }

    /// - Parameters:
    ///   - base: usually an `AWSCredentialChain`.
    ///   - baseRegion: the region the environment or profile names (`AWSCredentialChain.region`);
    ///     it comes before a database's own region for STS calls, as the SDK's region does.
    ///   - sessionName: RoleSessionName for every hop (shows in CloudTrail).
    public init(
        base: any AWSCredentialsProvider, baseRegion: String?, environment: [String: String],
        transport: any AWSTransport, sessionName: String = "postern"
    ) {
        self.base = base
        self.baseRegion = baseRegion
        self.environment = environment
        self.transport = transport
        self.sessionName = sessionName
    }

    /// The region STS is called in for `database`: the environment's or profile's, then the
    /// database's `aws.region`, then `us-east-1`.
    public func region(for database: Database) -> String {
        if let baseRegion, !baseRegion.isEmpty { return baseRegion }
        return database.aws.region.isEmpty ? "us-east-1" : database.aws.region
    }

    /// The role ARNs assumed, in order, for `database` and `dbUserRoleARN`.
    public func roleChain(for database: Database, dbUserRoleARN: String?) -> [AWSAssumeRoleRequest] {
        var chain: [AWSAssumeRoleRequest] = []
        if !database.aws.assumeRoleARN.isEmpty {
            chain.append(
                AWSAssumeRoleRequest(
                    roleARN: database.aws.assumeRoleARN, sessionName: sessionName,
                    externalID: database.aws.externalID.isEmpty ? nil : database.aws.externalID))
        }
        if let dbUserRoleARN, !dbUserRoleARN.isEmpty {
            chain.append(AWSAssumeRoleRequest(roleARN: dbUserRoleARN, sessionName: sessionName))
        }
        return chain
    }

    /// A provider of the credentials to sign with for `database`: the base credentials when no
    /// role is configured, else the last hop of the chain.
    public func credentials(for database: Database, dbUserRoleARN: String? = nil) throws -> any AWSCredentialsProvider {
        let chain = roleChain(for: database, dbUserRoleARN: dbUserRoleARN)
        let region = region(for: database)
        var provider: any AWSCredentialsProvider = base
        for index in chain.indices {
            let path = HopKey(region: region, path: Array(chain[...index]))
            if let existing = hops[path] {
                provider = existing
                continue
            }
            let hop = try AWSAssumeRoleProvider(
                request: chain[index], source: provider, region: region, environment: environment, transport: transport)
            hops[path] = hop
            provider = hop
        }
        return provider
    }
}

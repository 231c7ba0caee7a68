import Foundation
import PosternCore

/// Redshift sign-in as Teleport's Database Service does it:
/// - a plain database user: `GetClusterCredentials` (no auto-create) with the database's
///   credentials (the ambient chain, or its `assume_role_arn`);
/// - a user `role/NAME` or an IAM role ARN: assume that role (after `assume_role_arn`), then
///   `GetClusterCredentialsWithIAM`; the database user is the role (`IAMR:NAME`);
/// - Redshift Serverless: the user names a role (`NAME`, `role/NAME` or an ARN), assumed the
///   same way, then `GetCredentials` for the workgroup.
public enum RedshiftAuth {
    /// Why a database user cannot be turned into a role, or credentials not fetched. The
    /// message names what to fix; it never holds a password.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
        public var message: String
        public var description: String { message }
        public var errorDescription: String? { message }
    }

    /// Teleport's `IsRoleARN`: `role/NAME`, or an ARN whose resource is `role/…`.
    public static func namesRole(_ dbUser: String) -> Bool {
        if dbUser.hasPrefix("role/") { return true }
        guard let arn = AWSARN(dbUser) else { return false }
        return arn.service == "iam" && arn.resource.hasPrefix("role/")
    }

    /// Teleport's `BuildRoleARN`: an ARN is checked (an IAM role, in the region's partition and,
    /// when known, the account); a name or `role/NAME` becomes `arn:<partition>:iam::<account>:role/NAME`.
    public static func roleARN(_ user: String, region: String, accountID: String) throws(Failure) -> String {
        let partition = AWSARN.partition(forRegion: region)
        if user.hasPrefix("arn:") {
            guard let arn = AWSARN(user), arn.service == "iam", arn.resource.hasPrefix("role/"),
                  arn.resource.count > "role/".count else {
                throw Failure(message: "\(quoted(user)) is not an IAM role ARN")
            }
            guard arn.partition == partition else {
                throw Failure(message: "role \(quoted(user)) is not in partition \(partition) of region \(region)")
            }
            guard accountID.isEmpty || arn.accountID == accountID else {
                throw Failure(message: "role \(quoted(user)) is not in the database's account \(accountID)")
            }
            return user
        }
        let name = user.hasPrefix("role/") ? String(user.dropFirst("role/".count)) : user
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+=,.@_-/".contains($0)) })
        else {
            throw Failure(message: "\(quoted(user)) is not an IAM role name")
        }
        guard !accountID.isEmpty else {
            throw Failure(message: "the AWS account of role \(quoted(name)) is unknown: set aws.account_id")
        }
        return "arn:\(partition):iam::\(accountID):role/\(name)"
    }

    /// The role a Redshift Serverless user names; `IAM:`/`IAMR:` in-database names are refused,
    /// as Teleport refuses them.
    public static func serverlessRoleARN(_ user: String, region: String, accountID: String) throws(Failure) -> String {
        if user.hasPrefix("IAM:") || user.hasPrefix("IAMR:") {
            throw Failure(message: "expecting the name or ARN of an AWS IAM role but got \(quoted(user))")
        }
        return try roleARN(user, region: region, accountID: accountID)
    }

    /// Where the pieces come from: the shared role chain, the environment (endpoint overrides)
    /// and the transport.
    public struct Session: Sendable {
        public var chain: AWSSessionChain
        public var environment: [String: String]
        public var transport: any AWSTransport
        public var durationSeconds = RedshiftAPI.defaultDuration

        public init(chain: AWSSessionChain, environment: [String: String], transport: any AWSTransport) {
            self.chain = chain
            self.environment = environment
            self.transport = transport
        }

        func client(_ service: AWSService, _ database: Database, role: String?) async throws -> AWSServiceClient {
            let credentials = try await chain.credentials(for: database, dbUserRoleARN: role)
            return try AWSServiceClient(
                service: service, region: database.aws.region, environment: environment, credentials: credentials,
                transport: transport)
        }

        /// The account a role name is completed with: the database's, its `assume_role_arn`'s,
        /// else the ambient identity's (GetCallerIdentity), as Teleport completes it.
        func accountID(for database: Database) async throws -> String {
            if !database.aws.accountID.isEmpty { return database.aws.accountID }
            if let arn = AWSARN(database.aws.assumeRoleARN), !arn.accountID.isEmpty { return arn.accountID }
            let sts = try AWSSTS(
                region: await chain.region(for: database), environment: environment,
                credentials: try await chain.credentials(for: database), transport: transport)
            return try await sts.getCallerIdentity().account
        }
    }

    /// Temporary credentials for `dbUser` on a Redshift cluster or Redshift Serverless workgroup.
    public static func credentials(for database: Database, dbUser: String, dbName: String, session: Session)
        async throws -> DatabaseCredentials
    {
        switch database.type {
        case .redshift:
            let cluster = database.aws.redshift.clusterID
            guard namesRole(dbUser) else {
                let api = RedshiftAPI(client: try await session.client(.redshift, database, role: nil))
                return try await api.getClusterCredentials(
                    clusterID: cluster, dbUser: dbUser, dbName: dbName, durationSeconds: session.durationSeconds)
            }
            let role = try roleARN(dbUser, region: database.aws.region, accountID: try await session.accountID(for: database))
            let api = RedshiftAPI(client: try await session.client(.redshift, database, role: role))
            return try await api.getClusterCredentialsWithIAM(
                clusterID: cluster, dbName: dbName, durationSeconds: session.durationSeconds)
        case .redshiftServerless:
            let role = try serverlessRoleARN(
                dbUser, region: database.aws.region, accountID: try await session.accountID(for: database))
            let api = RedshiftServerlessAPI(client: try await session.client(.redshiftServerless, database, role: role))
            return try await api.getCredentials(
                workgroupName: database.aws.redshiftServerless.workgroupName, dbName: dbName,
                durationSeconds: session.durationSeconds)
        default:
            throw Failure(message: "database \(quoted(database.name)) is \(database.type.rawValue), not Redshift")
        }
    }

    static func quoted(_ text: String) -> String { "\"" + text + "\"" }
}

import ArgumentParser
import Foundation
import PosternAWS
import PosternCore

/// `postern aws token …`: print an IAM auth token, to debug IAM sign-in by hand
/// (`PGPASSWORD=$(postern aws token rds …) psql …`).
struct AWSToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print an IAM authentication token (valid 15 minutes) signed with your AWS credentials.",
        subcommands: [AWSTokenRDS.self, AWSTokenDSQL.self, AWSTokenElastiCache.self, AWSTokenMemoryDB.self]
    )
}

/// What every `aws token` subcommand takes besides its target.
struct AWSTokenOptions: ParsableArguments {
    @OptionGroup var aws: AWSOptions

    @Option(help: ArgumentHelp("Sign at this time instead of now (for reproducible output).", visibility: .hidden))
    var signingTime: String?

    /// The signing instant: `--signing-time` (ISO 8601, `2026-01-02T03:04:05Z`) or now.
    func date() throws -> Date {
        guard let signingTime else { return Date() }
        guard let date = AWSXML.parseDate(signingTime) else {
            throw CLIError("--signing-time must be an ISO 8601 time such as 2026-01-02T03:04:05Z")
        }
        return date
    }

    /// Resolves credentials from the SDK chain, then signs. The region is `--region`, else
    /// `regionHint` (what the host name says), else the environment's or profile's.
    func sign(regionHint: String? = nil, _ body: @Sendable (AWSCredentials, String, Date) throws -> IAMAuthToken)
        async throws
    {
        do {
            let date = try date()
            let token = try await AWSHTTPTransport.with { transport in
                let chain = aws.chain(transport: transport)
                let region = aws.region ?? regionHint ?? aws.resolvedRegion(chain)
                let credentials = try await chain.resolve().credentials
                return try body(credentials, region, date)
            }
            print(token.value)
        } catch let error as CLIError {
            throw AWSToken.fail(error)
        } catch {
            throw AWSToken.failLines(String(describing: error))
        }
    }
}

struct AWSTokenRDS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rds", abstract: "An RDS or Aurora token (rds-db:connect), as `aws rds generate-db-auth-token`.")

    @OptionGroup var options: AWSTokenOptions
    @Option(help: "Database endpoint host name.") var host: String
    @Option(help: "Database port.") var port: Int
    @Option(help: "Database user the token signs in as.") var dbUser: String

    func run() async throws {
        let (host, port, dbUser) = (host, port, dbUser)
        try await options.sign(regionHint: AWSEndpoint(host: host)?.region.nonEmpty) { credentials, region, date in
            try IAMAuthTokens.rds(
                host: host, port: port, dbUser: dbUser, region: region, credentials: credentials, date: date)
        }
    }
}

struct AWSTokenDSQL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsql", abstract: "An Aurora DSQL token (DbConnect, or DbConnectAdmin with --admin).")

    @OptionGroup var options: AWSTokenOptions
    @Option(help: "Cluster endpoint, <id>.dsql.<region>.on.aws.") var host: String
    @Flag(help: "Sign in as the admin role (dsql:DbConnectAdmin).") var admin = false

    func run() async throws {
        let (host, action) = (host, admin ? IAMAuthTokens.DSQLAction.dbConnectAdmin : .dbConnect)
        try await options.sign(regionHint: AWSEndpoint(host: host)?.region.nonEmpty) { credentials, region, date in
            try IAMAuthTokens.dsql(host: host, action: action, region: region, credentials: credentials, date: date)
        }
    }
}

struct AWSTokenElastiCache: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "elasticache", abstract: "An ElastiCache (Redis OSS / Valkey) IAM token.")

    @OptionGroup var options: AWSTokenOptions
    @Option(help: "Replication group id (or, with --serverless, the serverless cache name).")
    var replicationGroup: String
    @Option(help: "ElastiCache user id (IAM users have the same name and id).") var dbUser: String
    @Flag(help: "Sign for a serverless cache (ResourceType=ServerlessCache).") var serverless = false

    func run() async throws {
        let (name, user, serverless) = (replicationGroup, dbUser, serverless)
        try await options.sign { credentials, region, date in
            try IAMAuthTokens.elastiCache(
                cacheName: name, userId: user, region: region, serverless: serverless, credentials: credentials,
                date: date)
        }
    }
}

struct AWSTokenMemoryDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "memorydb", abstract: "A MemoryDB IAM token.")

    @OptionGroup var options: AWSTokenOptions
    @Option(help: "MemoryDB cluster name.") var cluster: String
    @Option(help: "MemoryDB user name.") var dbUser: String

    func run() async throws {
        let (cluster, user) = (cluster, dbUser)
        try await options.sign { credentials, region, date in
            try IAMAuthTokens.memoryDB(
                clusterName: cluster, userId: user, region: region, credentials: credentials, date: date)
        }
    }
}

extension String {
    /// nil for the empty string (ElastiCache TLS hosts carry no usable region).
    var nonEmpty: String? { isEmpty ? nil : self }
}

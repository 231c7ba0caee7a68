import Foundation
import PosternAWS
import PosternCore

/// The configured sign-in of each database: a password from a file or the environment, an IAM
/// token (RDS, Aurora, DSQL) or Redshift temporary credentials.
public struct DatabaseSignIn: UpstreamCredentialSource {
    public var aws: (any DatabaseAWSCredentials)?
    public var redshift: (any RedshiftLoginSource)?
    public var environment: [String: String]
    /// The signing time of IAM tokens (tests pin it).
    public var now: @Sendable () -> Date

    public init(aws: (any DatabaseAWSCredentials)? = nil, redshift: (any RedshiftLoginSource)? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.aws = aws
        self.redshift = redshift
        self.environment = environment
        self.now = now
    }

    public func login(for route: Route) async throws -> UpstreamLogin {
        let db = route.database
        switch db.auth {
        case .password(let source):
            return try UpstreamPassword.login(for: route, source: source, environment: environment)
        case .managed:
            throw UpstreamCredentialError("database \(quoted(db.name)) uses managed passwords, which PostgreSQL does not support")
        case .iam:
            switch db.type {
            case .redshift, .redshiftServerless:
                guard let redshift else {
                    throw UpstreamCredentialError("Redshift temporary credentials are not available in this build")
                }
                return try await redshift.login(for: route)
            case .rds, .rdsProxy, .dsql:
                return try await iamLogin(route)
            default:
                throw UpstreamCredentialError(
                    "database \(quoted(db.name)) (\(db.type.rawValue)) has no IAM sign-in for PostgreSQL; configure auth: password")
            }
        }
    }

    private func iamLogin(_ route: Route) async throws -> UpstreamLogin {
        let db = route.database
        guard let endpoint = db.endpoint else {
            throw UpstreamCredentialError("database \(quoted(db.name)) has no usable host in its uri")
        }
        guard !db.aws.region.isEmpty else {
            throw UpstreamCredentialError("database \(quoted(db.name)) needs aws.region for IAM sign-in")
        }
        guard let aws else {
            throw UpstreamCredentialError("no AWS credentials are configured for IAM sign-in to \(quoted(db.name))")
        }
        let credentials = try await aws.credentials(for: db)
        do {
            let token: IAMAuthToken
            if db.type == .dsql {
                let action: IAMAuthTokens.DSQLAction = route.dbUser == "admin" ? .dbConnectAdmin : .dbConnect
                token = try IAMAuthTokens.dsql(host: endpoint.host, action: action, region: db.aws.region,
                                               credentials: credentials, date: now())
            } else {
                token = try IAMAuthTokens.rds(host: endpoint.host, port: endpoint.port ?? 5432, dbUser: route.dbUser,
                                              region: db.aws.region, credentials: credentials, date: now())
            }
            return UpstreamLogin(user: route.dbUser, password: token.value)
        } catch {
            throw UpstreamCredentialError("cannot sign an IAM token for \(quoted(db.name)): \(error)")
        }
    }
}

/// Fixed AWS credentials (tests, and environments that hand keys over explicitly).
public struct StaticAWSCredentials: DatabaseAWSCredentials {
    public let value: AWSCredentials
    public init(_ value: AWSCredentials) { self.value = value }
    public func credentials(for database: Database) async throws -> AWSCredentials { value }
}

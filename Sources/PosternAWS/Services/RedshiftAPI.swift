import Foundation

/// The Redshift (provisioned) credential calls; `DescribeClusters` is in `DescribeCalls`.
public struct RedshiftAPI: Sendable {
    public static let version = "2012-12-01"
    /// Credentials live 15 minutes, like IAM auth tokens (AWS allows 900…3600 s).
    public static let defaultDuration = 900

    public let client: AWSServiceClient

    public init(client: AWSServiceClient) {
        self.client = client
    }

    struct CredentialsResult: Decodable {
        var dbUser: String
        var dbPassword: String
        var expiration: Date?
        enum CodingKeys: String, CodingKey {
            case dbUser = "DbUser"
            case dbPassword = "DbPassword"
            case expiration = "Expiration"
        }

        var credentials: DatabaseCredentials {
            DatabaseCredentials(user: dbUser, password: dbPassword, expiration: expiration)
        }
    }

    /// `GetClusterCredentials` for an existing database user; never auto-creates it (as Teleport).
    public func getClusterCredentials(
        clusterID: String, dbUser: String, dbName: String, durationSeconds: Int = defaultDuration
    ) async throws -> DatabaseCredentials {
        let parameters = [
            AWSQueryItem("ClusterIdentifier", clusterID),
            AWSQueryItem("DbUser", dbUser),
            AWSQueryItem("DbName", dbName),
            AWSQueryItem("AutoCreate", "false"),
            AWSQueryItem("DurationSeconds", String(durationSeconds)),
        ]
        return try await client.query(
            action: "GetClusterCredentials", version: Self.version, parameters: parameters,
            result: CredentialsResult.self
        ).credentials
    }

    /// `GetClusterCredentialsWithIAM`: the caller's IAM identity (an assumed role) becomes the
    /// database user (`IAMR:<role>`).
    public func getClusterCredentialsWithIAM(
        clusterID: String, dbName: String, durationSeconds: Int = defaultDuration
    ) async throws -> DatabaseCredentials {
        let parameters = [
            AWSQueryItem("ClusterIdentifier", clusterID),
            AWSQueryItem("DbName", dbName),
            AWSQueryItem("DurationSeconds", String(durationSeconds)),
        ]
        return try await client.query(
            action: "GetClusterCredentialsWithIAM", version: Self.version, parameters: parameters,
            result: CredentialsResult.self
        ).credentials
    }
}

/// Redshift Serverless `GetCredentials` (AWS JSON 1.1, `RedshiftServerless.GetCredentials`).
public struct RedshiftServerlessAPI: Sendable {
    public let client: AWSServiceClient

    public init(client: AWSServiceClient) {
        self.client = client
    }

    struct Request: Encodable {
        var workgroupName: String
        var dbName: String?
        var durationSeconds: Int
    }

    struct Response: Decodable {
        var dbUser: String
        var dbPassword: String
        /// Seconds since 1970, as the JSON protocols send timestamps.
        var expiration: Double?
    }

    /// Credentials for the caller's IAM identity (an assumed role) in `workgroupName`.
    public func getCredentials(
        workgroupName: String, dbName: String?, durationSeconds: Int = RedshiftAPI.defaultDuration
    ) async throws -> DatabaseCredentials {
        let request = Request(
            workgroupName: workgroupName, dbName: dbName.flatMap { $0.isEmpty ? nil : $0 },
            durationSeconds: durationSeconds)
        let response = try await client.json(
            target: "RedshiftServerless.GetCredentials", request: request, response: Response.self)
        return DatabaseCredentials(
            user: response.dbUser, password: response.dbPassword,
            expiration: response.expiration.map { Date(timeIntervalSince1970: $0) })
    }
}

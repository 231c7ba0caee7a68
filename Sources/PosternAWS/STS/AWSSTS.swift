import Foundation

/// Who a set of credentials is.
public struct AWSCallerIdentity: Sendable, Equatable, Codable {
    public var arn: String
    public var account: String
    public var userID: String

    public init(arn: String, account: String, userID: String) {
        self.arn = arn
        self.account = account
        self.userID = userID
    }
}

/// What AssumeRole asks for.
public struct AWSAssumeRoleRequest: Sendable, Equatable, Hashable {
    public var roleARN: String
    public var sessionName: String
    public var externalID: String?
    /// 900...43200; STS's default (3600) when nil.
    public var durationSeconds: Int?

    public init(roleARN: String, sessionName: String, externalID: String? = nil, durationSeconds: Int? = nil) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.externalID = externalID
        self.durationSeconds = durationSeconds
    }

    /// `postern-<unix seconds>`, as botocore uses `botocore-session-<unix seconds>`.
    public static func defaultSessionName(at date: Date = Date()) -> String {
        "postern-\(Int(date.timeIntervalSince1970))"
    }
}

/// Temporary credentials from AssumeRole or AssumeRoleWithWebIdentity.
public struct AWSAssumedRole: Sendable, Equatable {
    public var credentials: AWSCredentials
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    public var assumedRoleARN: String
}

/// STS: GetCallerIdentity, AssumeRole and AssumeRoleWithWebIdentity over the query protocol.
public struct AWSSTS: Sendable {
    public static let version = "2011-06-15"
    public let client: AWSServiceClient

    public init(client: AWSServiceClient) {
        self.client = client
    }

    /// The regional endpoint (or the `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL` override).
    public init(
        region: String, environment: [String: String], credentials: (any AWSCredentialsProvider)?,
        transport: any AWSTransport
    ) throws {
        client = try AWSServiceClient(
            service: .sts, region: region, environment: environment, credentials: credentials, transport: transport)
    }

    private struct IdentityResult: Decodable {
        var Arn: String
        var Account: String
        var UserId: String
    }

    public func getCallerIdentity() async throws -> AWSCallerIdentity {
        let result = try await client.query(
            action: "GetCallerIdentity", version: Self.version, result: IdentityResult.self)
        return AWSCallerIdentity(arn: result.Arn, account: result.Account, userID: result.UserId)
    }

    private struct CredentialsXML: Decodable {
        var AccessKeyId: String
        var SecretAccessKey: String
        var SessionToken: String
        var Expiration: String
    }

    private struct AssumedRoleUserXML: Decodable {
        var Arn: String
    }

    private struct AssumeResult: Decodable {
        var Credentials: CredentialsXML
        var AssumedRoleUser: AssumedRoleUserXML
    }

    /// AssumeRole. An AccessDenied comes back as `AWSAssumeRoleDeniedError`, which spells out the
    /// trust and permission policies to add.
    public func assumeRole(_ request: AWSAssumeRoleRequest) async throws -> AWSAssumedRole {
        var parameters = [AWSQueryItem("RoleArn", request.roleARN), AWSQueryItem("RoleSessionName", request.sessionName)]
        if let externalID = request.externalID, !externalID.isEmpty {
            parameters.append(AWSQueryItem("ExternalId", externalID))
        }
        if let duration = request.durationSeconds {
            parameters.append(AWSQueryItem("DurationSeconds", String(duration)))
        }
        do {
            let result = try await client.query(
                action: "AssumeRole", version: Self.version, parameters: parameters, result: AssumeResult.self)
            return try assumed(result, action: "AssumeRole")
        } catch let error as AWSServiceError where error.code == "AccessDenied" {
            throw await AWSAssumeRoleDeniedError(request: request, denial: error, sts: self)
        }
    }

    /// AssumeRoleWithWebIdentity: unsigned; the web identity token is the credential. It is
    /// removed from any error message.
    public func assumeRoleWithWebIdentity(
        roleARN: String, sessionName: String, webIdentityToken: String, durationSeconds: Int? = nil
    ) async throws -> AWSAssumedRole {
        let unsigned = AWSSTS(client: client.unsigned())
        var parameters = [
            AWSQueryItem("RoleArn", roleARN), AWSQueryItem("RoleSessionName", sessionName),
            AWSQueryItem("WebIdentityToken", webIdentityToken),
        ]
        if let durationSeconds {
            parameters.append(AWSQueryItem("DurationSeconds", String(durationSeconds)))
        }
        do {
            let result = try await unsigned.client.query(
                action: "AssumeRoleWithWebIdentity", version: Self.version, parameters: parameters,
                result: AssumeResult.self)
            return try assumed(result, action: "AssumeRoleWithWebIdentity")
        } catch var error as AWSServiceError {
            error.message = AWSErrorParsing.scrub(error.message, secrets: [webIdentityToken])
            throw error
        }
    }

    private func assumed(_ result: AssumeResult, action: String) throws -> AWSAssumedRole {
        guard let expiration = AWSXML.parseDate(result.Credentials.Expiration) else {
            throw AWSDecodingError(
                service: AWSService.sts.id, action: action,
                detail: "Expiration is not an ISO 8601 date: \(result.Credentials.Expiration)")
        }
        let credentials = AWSCredentials(
            accessKeyId: result.Credentials.AccessKeyId, secretAccessKey: result.Credentials.SecretAccessKey,
            sessionToken: result.Credentials.SessionToken, expiration: expiration)
        return AWSAssumedRole(credentials: credentials, assumedRoleARN: result.AssumedRoleUser.Arn)
    }
}

extension AWSServiceClient {
    /// The same client sending unsigned requests.
    func unsigned() -> AWSServiceClient {
        var copy = AWSServiceClient(
            service: service, region: region, endpoint: endpoint, credentials: nil, transport: transport)
        copy.timeout = timeout
        copy.maxAttempts = maxAttempts
        copy.now = now
        return copy
    }
}

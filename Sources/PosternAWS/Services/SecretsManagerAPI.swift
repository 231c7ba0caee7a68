import Foundation

/// A secret's value as `GetSecretValue` returns it. `secretString` is redacted from every
/// printed form.
public struct SecretValue: Sendable, Equatable {
    public var arn: String
    public var name: String
    public var versionID: String
    public var versionStages: [String]
    public var secretString: String?
    public var createdDate: Date?
}

extension SecretValue: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "SecretValue(name: \(name), versionID: \(versionID), versionStages: \(versionStages), "
            + "secretString: \(secretString == nil ? "nil" : Redacted.marker))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: [
            "arn": arn, "name": name, "versionID": versionID, "versionStages": versionStages,
            "secretString": secretString == nil ? "nil" : Redacted.marker,
        ], displayStyle: .struct)
    }
}

/// What `CreateSecret` and `PutSecretValue` answer: which secret and version now exist.
public struct SecretVersion: Sendable, Equatable, Decodable {
    public var arn: String
    public var name: String
    public var versionID: String?
    public var versionStages: [String]?

    enum CodingKeys: String, CodingKey {
        case arn = "ARN"
        case name = "Name"
        case versionID = "VersionId"
        case versionStages = "VersionStages"
    }
}

/// The Secrets Manager calls managed database users need (AWS JSON 1.1, `secretsmanager.*`).
public struct SecretsManagerAPI: Sendable {
    /// Teleport's default key prefix for the passwords of users it manages.
    public static let defaultKeyPrefix = "teleport/"

    /// `VersionStage` labels AWS maintains.
    public enum Stage: Sendable, Equatable {
        case current
        case previous
        case custom(String)

        public var label: String {
            switch self {
            case .current: return "AWSCURRENT"
            case .previous: return "AWSPREVIOUS"
            case .custom(let label): return label
            }
        }
    }

    public let client: AWSServiceClient
    /// Idempotency tokens; the SDKs send a fresh UUID when the caller gives none.
    public var makeRequestToken: @Sendable () -> String = { UUID().uuidString.lowercased() }

    public init(client: AWSServiceClient) {
        self.client = client
    }

    struct Tag: Encodable {
        var Key: String
        var Value: String
    }

    struct CreateRequest: Encodable {
        var Name: String
        var SecretString: String
        var ClientRequestToken: String
        var Description: String?
        var KmsKeyId: String?
        var Tags: [Tag]?
    }

    /// `CreateSecret` with its first version (`AWSCURRENT`); `kmsKeyID` nil uses the account's
    /// default `aws/secretsmanager` key. Tags are sent sorted by key.
    public func createSecret(
        name: String, secretString: String, description: String? = nil, kmsKeyID: String? = nil,
        tags: [String: String] = [:]
    ) async throws -> SecretVersion {
        let request = CreateRequest(
            Name: name, SecretString: secretString, ClientRequestToken: makeRequestToken(),
            Description: description, KmsKeyId: kmsKeyID.flatMap { $0.isEmpty ? nil : $0 },
            Tags: tags.isEmpty ? nil : tags.sorted { $0.key < $1.key }.map { Tag(Key: $0.key, Value: $0.value) })
        return try await client.json(target: "secretsmanager.CreateSecret", request: request, response: SecretVersion.self)
    }

    struct PutRequest: Encodable {
        var SecretId: String
        var SecretString: String
        var ClientRequestToken: String
        var VersionStages: [String]?
    }

    /// `PutSecretValue`: a new version becomes `AWSCURRENT`, the old one `AWSPREVIOUS`.
    public func putSecretValue(secretID: String, secretString: String, stages: [Stage]? = nil) async throws
        -> SecretVersion
    {
        let request = PutRequest(
            SecretId: secretID, SecretString: secretString, ClientRequestToken: makeRequestToken(),
            VersionStages: stages?.map(\.label))
        return try await client.json(target: "secretsmanager.PutSecretValue", request: request, response: SecretVersion.self)
    }

    struct GetRequest: Encodable {
        var SecretId: String
        var VersionStage: String?
        var VersionId: String?
    }

    struct GetResponse: Decodable {
        var ARN: String
        var Name: String
        var VersionId: String
        var VersionStages: [String]?
        var SecretString: String?
        var CreatedDate: Double?
    }

    /// `GetSecretValue` at a stage (default `AWSCURRENT`) or a version id.
    public func getSecretValue(secretID: String, stage: Stage? = .current, versionID: String? = nil) async throws
        -> SecretValue
    {
        let request = GetRequest(SecretId: secretID, VersionStage: stage?.label, VersionId: versionID)
        let response = try await client.json(target: "secretsmanager.GetSecretValue", request: request,
                                             response: GetResponse.self)
        return SecretValue(
            arn: response.ARN, name: response.Name, versionID: response.VersionId,
            versionStages: response.VersionStages ?? [], secretString: response.SecretString,
            createdDate: response.CreatedDate.map { Date(timeIntervalSince1970: $0) })
    }
}

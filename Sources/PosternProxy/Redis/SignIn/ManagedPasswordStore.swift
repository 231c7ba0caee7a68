import Foundation
import PosternAWS
import PosternCore

/// A managed user's current password and when it was set (the secret version's creation time).
public struct ManagedPassword: Sendable, Equatable {
    public var password: String
    public var createdAt: Date?

    public init(password: String, createdAt: Date?) {
        self.password = password
        self.createdAt = createdAt
    }
}

extension ManagedPassword: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "ManagedPassword(password: <redacted>, createdAt: \(createdAt.map { "\($0)" } ?? "nil"))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["password": "<redacted>", "createdAt": createdAt as Any]) }
}

/// Where managed users' passwords live between rotations.
public protocol ManagedPasswordStore: Sendable {
    /// The current password; nil when the secret does not exist yet.
    func current(secretName: String) async throws -> ManagedPassword?
    /// Makes `password` the current one (creating the secret, under `kmsKeyID` when given).
    func store(_ password: String, secretName: String, kmsKeyID: String?, description: String) async throws
}

/// The secret of one managed user: `<aws.secret_store.key_prefix><database>/<db user>`.
public enum ManagedSecretName {
    public static func name(database: Database, user: String) -> String {
        database.aws.secretStore.keyPrefix + database.name + "/" + user
    }
}

/// AWS Secrets Manager: `GetSecretValue` at `AWSCURRENT`; `PutSecretValue`, or `CreateSecret`
/// the first time (the previous value stays as `AWSPREVIOUS`).
public struct SecretsManagerPasswordStore: ManagedPasswordStore {
    public let api: SecretsManagerAPI

    public init(api: SecretsManagerAPI) { self.api = api }

    /// The region to keep a database's secrets in: its own, else the process's
    /// (`AWS_REGION`, then `AWS_DEFAULT_REGION`), since self-hosted Redis has none.
    public static func region(for database: Database, environment: [String: String]) -> String? {
        for candidate in [database.aws.region, environment["AWS_REGION"] ?? "", environment["AWS_DEFAULT_REGION"] ?? ""]
        where !candidate.isEmpty {
            return candidate
        }
        return nil
    }

    public func current(secretName: String) async throws -> ManagedPassword? {
        do {
            let value = try await api.getSecretValue(secretID: secretName)
            guard let text = value.secretString, !text.isEmpty else { return nil }
            return ManagedPassword(password: text, createdAt: value.createdDate)
        } catch let error as AWSServiceError where error.code == "ResourceNotFoundException" {
            return nil
        }
    }

    public func store(_ password: String, secretName: String, kmsKeyID: String?, description: String) async throws {
        do {
            _ = try await api.putSecretValue(secretID: secretName, secretString: password)
        } catch let error as AWSServiceError where error.code == "ResourceNotFoundException" {
            _ = try await api.createSecret(name: secretName, secretString: password, description: description,
                                           kmsKeyID: kmsKeyID, tags: ["postern.dev/managed": "true"])
        }
    }
}

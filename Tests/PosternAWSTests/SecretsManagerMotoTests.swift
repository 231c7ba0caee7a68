import Foundation
import XCTest

@testable import PosternAWS

/// Secrets Manager against the shared moto_server: create (KMS key, tags), put, then get at
/// `AWSCURRENT` and `AWSPREVIOUS`. Secret names carry this run's id.
final class SecretsManagerMotoTests: XCTestCase {
    func testCreatePutGetRoundTrip() async throws {
        let env = try AWSTestEnvironment.load()
        let environment = ["AWS_ENDPOINT_URL": env.motoURL, "AWS_EC2_METADATA_DISABLED": "true"]
        try await AWSHTTPTransport.with { http in
            let transport = TappingTransport(http)
            let client = try AWSServiceClient(
                service: .secretsManager, region: env.region, environment: environment,
                credentials: StaticCredentialsProvider(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")),
                transport: transport)
            let api = SecretsManagerAPI(client: client)
            let name = SecretsManagerAPI.defaultKeyPrefix + "postern-test/\(UUID().uuidString.lowercased().prefix(8))/alice"
            let created = try await api.createSecret(
                name: name, secretString: "first-password", description: "managed by Postern",
                kmsKeyID: "alias/postern-test", tags: ["teleport.dev/managed": "true", "env": "test"])
            XCTAssertEqual(created.name, name)
            XCTAssertTrue(created.arn.hasPrefix("arn:aws:secretsmanager:us-east-1:123456789012:secret:\(name)-"),
                          created.arn)
            let createBody = try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(try XCTUnwrap(transport.sent.last).body)) as? [String: Any])
            XCTAssertEqual(createBody["KmsKeyId"] as? String, "alias/postern-test")
            XCTAssertEqual((createBody["Tags"] as? [[String: String]])?.map { $0["Key"] ?? "" }, ["env", "teleport.dev/managed"])
            XCTAssertEqual((createBody["ClientRequestToken"] as? String)?.count, 36)
            XCTAssertEqual(try XCTUnwrap(transport.sent.last).header("X-Amz-Target"), "secretsmanager.CreateSecret")

            let put = try await api.putSecretValue(secretID: name, secretString: "second-password")
            XCTAssertEqual(put.versionStages, ["AWSCURRENT"])
            XCTAssertNotEqual(put.versionID, created.versionID)

            let current = try await api.getSecretValue(secretID: name)
            XCTAssertEqual(current.secretString, "second-password")
            XCTAssertEqual(current.versionID, put.versionID)
            XCTAssertTrue(current.versionStages.contains("AWSCURRENT"))
            let previous = try await api.getSecretValue(secretID: created.arn, stage: .previous)
            XCTAssertEqual(previous.secretString, "first-password")
            XCTAssertEqual(previous.versionID, created.versionID)
            XCTAssertTrue(previous.versionStages.contains("AWSPREVIOUS"))
            let byVersion = try await api.getSecretValue(secretID: name, stage: nil, versionID: created.versionID)
            XCTAssertEqual(byVersion.secretString, "first-password")

            // The value never shows in printed forms.
            for text in ["\(current)", String(reflecting: current), { var s = ""; dump(current, to: &s); return s }()] {
                XCTAssertFalse(text.contains("second-password"), text)
            }

            // DescribeSecret shows the key and tags were stored.
            struct Describe: Encodable { var SecretId: String }
            struct Described: Decodable {
                struct Tag: Decodable { var Key: String; var Value: String }
                var KmsKeyId: String?
                var Tags: [Tag]?
                var Description: String?
            }
            let described = try await client.json(
                target: "secretsmanager.DescribeSecret", request: Describe(SecretId: name), response: Described.self)
            XCTAssertEqual(described.KmsKeyId, "alias/postern-test")
            XCTAssertEqual(described.Description, "managed by Postern")
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: (described.Tags ?? []).map { ($0.Key, $0.Value) }),
                           ["teleport.dev/managed": "true", "env": "test"])

            do {
                _ = try await api.getSecretValue(secretID: name + "-missing")
                XCTFail("expected ResourceNotFoundException")
            } catch let error as AWSServiceError {
                XCTAssertEqual(error.code, "ResourceNotFoundException")
                XCTAssertEqual(error.action, "GetSecretValue")
            }
        }
    }
}

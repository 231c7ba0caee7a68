import Foundation
import XCTest

@testable import PosternAWS

/// Signature and policy checking on: a moto_server of this test's own (the shared one must stay
/// lenient for everyone else) with `/moto-api/reset-auth` set to 0.
final class MotoSignatureTests: XCTestCase {
    struct AccessKeyXML: Decodable {
        var AccessKeyId: String
        var SecretAccessKey: String
    }

    struct CreateAccessKeyXML: Decodable {
        var AccessKey: AccessKeyXML
    }

    func testSignatureCheckingRejectsAWrongSecretClearly() async throws {
        try await AWSHTTPTransport.with { transport in
            let moto = try await MotoServerProcess.start(transport: transport)
            defer { moto.stop() }
            let environment = ["AWS_ENDPOINT_URL": moto.url]
            // Set-up while moto still accepts anything.
            let iam = try AWSServiceClient(
                service: .iam, region: "us-east-1", environment: environment,
                credentials: StaticCredentialsProvider(AWSCredentials(accessKeyId: "AKIDSETUP", secretAccessKey: "setup")),
                transport: transport)
            let version = "2010-05-08"
            _ = try await iam.query(action: "CreateUser", version: version, parameters: [AWSQueryItem("UserName", "postern")])
            _ = try await iam.query(
                action: "PutUserPolicy", version: version,
                parameters: [
                    AWSQueryItem("UserName", "postern"), AWSQueryItem("PolicyName", "all"),
                    AWSQueryItem(
                        "PolicyDocument",
                        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
                ])
            let key = try await iam.query(
                action: "CreateAccessKey", version: version, parameters: [AWSQueryItem("UserName", "postern")],
                result: CreateAccessKeyXML.self
            ).AccessKey
            let trust = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/postern"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"right-ext"}}}]}"#
            _ = try await iam.query(
                action: "CreateRole", version: version,
                parameters: [AWSQueryItem("RoleName", "db-access"), AWSQueryItem("AssumeRolePolicyDocument", trust)])
            let reset = try await transport.send(
                SigV4Request(
                    method: "POST", scheme: "http", host: "127.0.0.1", port: moto.port, path: "/moto-api/reset-auth",
                    body: Array("0".utf8)),
                timeout: .seconds(10))
            XCTAssertEqual(reset.status, 200, reset.text)

            func sts(_ secret: String, key id: String = key.AccessKeyId) throws -> AWSSTS {
                var client = try AWSServiceClient(
                    service: .sts, region: "us-east-1", environment: environment,
                    credentials: StaticCredentialsProvider(AWSCredentials(accessKeyId: id, secretAccessKey: secret)),
                    transport: transport)
                client.maxAttempts = 1
                return AWSSTS(client: client)
            }

            let me = try await sts(key.SecretAccessKey).getCallerIdentity()
            XCTAssertEqual(me.arn, "arn:aws:iam::123456789012:user/postern")

            let wrongSecret = "wrong/secret+VALUE"
            do {
                _ = try await sts(wrongSecret).getCallerIdentity()
                XCTFail("a wrong secret must be rejected")
            } catch let error as AWSServiceError {
                XCTAssertEqual(error.code, "SignatureDoesNotMatch")
                XCTAssertEqual(error.statusCode, 403)
                let text = error.description
                XCTAssertTrue(text.hasPrefix("STS GetCallerIdentity failed: SignatureDoesNotMatch (HTTP 403)"), text)
                XCTAssertTrue(text.contains("the secret access key does not belong to the access key id"), text)
                XCTAssertFalse(text.contains(wrongSecret))
                XCTAssertFalse(text.contains(key.SecretAccessKey))
            }

            do {
                _ = try await sts("x", key: "AKIAUNKNOWNKEY000000").getCallerIdentity()
                XCTFail("an unknown key must be rejected")
            } catch let error as AWSServiceError {
                XCTAssertEqual(error.code, "InvalidClientTokenId")
            }

            let role = "arn:aws:iam::123456789012:role/db-access"
            do {
                _ = try await sts(key.SecretAccessKey).assumeRole(
                    AWSAssumeRoleRequest(roleARN: role, sessionName: "postern", externalID: "wrong-ext"))
                XCTFail("a wrong external id must be refused")
            } catch let error as AWSAssumeRoleDeniedError {
                XCTAssertEqual(error.callerARN, "arn:aws:iam::123456789012:user/postern")
                XCTAssertTrue(error.trustPolicy.contains(#""AWS": "arn:aws:iam::123456789012:user/postern""#))
                XCTAssertTrue(error.permissionPolicy.contains(#""Resource": "\#(role)""#))
                XCTAssertFalse(error.description.contains(key.SecretAccessKey))
            }
            let assumed = try await sts(key.SecretAccessKey).assumeRole(
                AWSAssumeRoleRequest(roleARN: role, sessionName: "postern", externalID: "right-ext"))
            XCTAssertEqual(assumed.assumedRoleARN, "arn:aws:sts::123456789012:assumed-role/db-access/postern")
        }
    }
}

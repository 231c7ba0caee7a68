import Foundation
import XCTest

@testable import PosternAWS

/// No secret key, session token or token reaches an error message or a description.
final class CredentialSecretsTests: XCTestCase {
    func testResolvedCredentialsAndSourcesHideSecrets() async throws {
        try await CredentialChainFixture.with { f in
            try f.write(".aws/credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base/secret+KEY\n")
            try f.write(
                ".aws/config",
                "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n")
            let chain = f.chain(["AWS_PROFILE": "app"])
            let resolved = try await chain.resolve()
            var dumped = ""
            dump(resolved, to: &dumped)
            let texts = [
                String(describing: resolved), String(reflecting: resolved), dumped, resolved.source.description,
                String(describing: chain),
            ]
            let secrets = ["base/secret+KEY", "secret/ASIAAPP+x", "token/ASIAAPP+=="]
            for text in texts {
                for secret in secrets {
                    XCTAssertFalse(text.contains(secret), "\(secret) leaked in \(text)")
                }
            }
        }
    }

    func testAssumeRoleDeniedNamesPoliciesNotSecrets() async throws {
        try await CredentialChainFixture.with { f in
            let base = StaticCredentialsProvider(
                AWSCredentials(accessKeyId: "AKIDBASE", secretAccessKey: "base/secret+KEY", sessionToken: "base/token=="))
            let provider = try AWSAssumeRoleProvider(
                request: AWSAssumeRoleRequest(
                    roleARN: "arn:aws:iam::123456789012:role/denied-role", sessionName: "postern", externalID: "ext-9"),
                source: base, region: "us-east-1", environment: f.environment(), transport: f.transport)
            do {
                _ = try await provider.credentials()
                XCTFail("expected AccessDenied")
            } catch let error as AWSAssumeRoleDeniedError {
                XCTAssertEqual(error.callerARN, "arn:aws:iam::123456789012:user/akidbase")
                XCTAssertEqual(error.principalARN, "arn:aws:iam::123456789012:user/akidbase")
                let text = error.description
                XCTAssertTrue(text.contains(#""AWS": "arn:aws:iam::123456789012:user/akidbase""#), text)
                XCTAssertTrue(text.contains(#""sts:ExternalId": "ext-9""#), text)
                XCTAssertTrue(text.contains(#""Resource": "arn:aws:iam::123456789012:role/denied-role""#), text)
                XCTAssertTrue(text.contains("--external-id ext-9"), text)
                XCTAssertFalse(text.contains("base/secret+KEY"))
                XCTAssertFalse(text.contains("base/token=="))
            }
        }
    }

    func testPrincipalForAnAssumedRoleSessionIsTheRole() {
        let denial = AWSServiceError(
            service: "STS", action: "AssumeRole", code: "AccessDenied",
            message: "User: arn:aws:sts::111111111111:assumed-role/database-service-role/i-0abc is not authorized "
                + "to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/database-user-role",
            statusCode: 403, requestID: nil)
        let error = AWSAssumeRoleDeniedError(
            roleARN: "arn:aws:iam::111111111111:role/database-user-role", externalID: nil,
            callerARN: AWSAssumeRoleDeniedError.callerARN(inMessage: denial.message), denial: denial)
        XCTAssertEqual(error.principalARN, "arn:aws:iam::111111111111:role/database-service-role")
        XCTAssertFalse(error.trustPolicy.contains("Condition"))
        XCTAssertTrue(error.description.contains("Trust policy on role database-user-role"), error.description)
        XCTAssertTrue(error.description.contains("Permission policy on database-service-role"), error.description)
    }
}

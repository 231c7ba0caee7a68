import Foundation
import XCTest

@testable import PosternAWS

/// ECS container and EC2 instance metadata providers, served by the test on 127.0.0.1.
final class CredentialChainMetadataTests: XCTestCase {
    func testContainerRelativeURIBeatsFullURIAndSendsTheTokenFile() async throws {
        var fake = FakeAWSEndpoints()
        fake.ecsToken = "Bearer file-token"
        try await CredentialChainFixture.with(fake) { f in
            let tokenFile = try f.write("ecs-token", "Bearer file-token\n")
            let resolved = try await f.resolve([
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/task",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/never",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer env-token",
            ])
            XCTAssertEqual(resolved.credentials.accessKeyId, "AKIDECS")
            XCTAssertEqual(resolved.credentials.sessionToken, "token/AKIDECS+==")
            XCTAssertEqual(resolved.source.provider, .container)
            let request = try XCTUnwrap(f.server.requests.first)
            XCTAssertEqual(request.uri, "/v2/credentials/task")
            XCTAssertEqual(request.header("authorization"), "Bearer file-token")
        }
    }

    func testContainerFullURIWithTokenFromEnvironment() async throws {
        var fake = FakeAWSEndpoints()
        fake.ecsToken = "Bearer env-token"
        try await CredentialChainFixture.with(fake) { f in
            let resolved = try await f.resolve([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(f.server.url)/v2/credentials/task",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer env-token",
            ])
            XCTAssertEqual(resolved.credentials.accessKeyId, "AKIDECS")
            XCTAssertTrue(resolved.source.detail.hasPrefix("http://127.0.0.1:"), resolved.source.detail)
        }
    }

    func testContainerFullURIMustBeHTTPSOrLoopback() async throws {
        try await CredentialChainFixture.with { f in
            let error = await f.resolveError(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://198.51.100.7/creds"])
            XCTAssertTrue(String(describing: error).contains("must use https"), String(describing: error))
            XCTAssertTrue(f.server.requests.isEmpty)
        }
    }

    func testContainerRejectionDoesNotEchoTheToken() async throws {
        var fake = FakeAWSEndpoints()
        fake.ecsToken = "Bearer right"
        try await CredentialChainFixture.with(fake) { f in
            let error = await f.resolveError([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(f.server.url)/v2/credentials/task",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer wrong-secret-token",
            ])
            let text = String(describing: error)
            XCTAssertTrue(text.contains("HTTP 401"), text)
            XCTAssertFalse(text.contains("wrong-secret-token"), text)
        }
    }

    func testInstanceMetadataV2() async throws {
        try await CredentialChainFixture.with { f in
            let resolved = try await f.resolve()
            XCTAssertEqual(resolved.credentials.accessKeyId, "AKIDIMDS")
            XCTAssertEqual(resolved.source.provider, .instanceMetadata)
            XCTAssertTrue(resolved.source.detail.contains("role web-role"), resolved.source.detail)
            XCTAssertNotNil(resolved.credentials.expiration)
            let requests = f.server.requests
            XCTAssertEqual(requests.map { "\($0.method) \($0.uri)" }, [
                "PUT /latest/api/token",
                "GET /latest/meta-data/iam/security-credentials/",
                "GET /latest/meta-data/iam/security-credentials/web-role",
            ])
            XCTAssertEqual(requests[0].header("x-aws-ec2-metadata-token-ttl-seconds"), "21600")
            XCTAssertEqual(requests[2].header("x-aws-ec2-metadata-token"), "imds-session-token")
        }
    }

    func testInstanceMetadataV1FallbackNoRoleAndDisabled() async throws {
        var v1 = FakeAWSEndpoints()
        v1.imdsV2 = false
        try await CredentialChainFixture.with(v1) { f in
            let resolved = try await f.resolve()
            XCTAssertTrue(resolved.source.detail.contains("IMDSv1"), resolved.source.detail)
            let refused = await f.resolveError(["AWS_EC2_METADATA_V1_DISABLED": "true"])
            XCTAssertTrue(String(describing: refused).contains("AWS_EC2_METADATA_V1_DISABLED"))
        }
        var noRole = FakeAWSEndpoints()
        noRole.imdsRole = nil
        try await CredentialChainFixture.with(noRole) { f in
            let error = await f.resolveError()
            XCTAssertTrue(String(describing: error).contains("has no IAM role attached"), String(describing: error))
            let disabled = await f.resolveError(["AWS_EC2_METADATA_DISABLED": "true"])
            XCTAssertTrue(String(describing: disabled).contains("iam-role: AWS_EC2_METADATA_DISABLED=true"))
            XCTAssertEqual(f.server.requests.count, 2, "disabled IMDS must not be asked")
        }
    }

    func testInstanceMetadataTimesOutAfterOneSecond() async throws {
        let silent = try await LoopbackHTTPServer.start { _ in .noAnswer }
        try await CredentialChainFixture.with { f in
            let started = Date()
            let error = await f.resolveError(["AWS_EC2_METADATA_SERVICE_ENDPOINT": silent.url])
            let elapsed = Date().timeIntervalSince(started)
            XCTAssertTrue(String(describing: error).contains("timed out"), String(describing: error))
            XCTAssertGreaterThanOrEqual(elapsed, 0.9)
            XCTAssertLessThan(elapsed, 3)
        }
        try await silent.stop()
    }

    func testNothingFoundListsEveryProviderAndWhy() async throws {
        var fake = FakeAWSEndpoints()
        fake.imdsRole = nil
        try await CredentialChainFixture.with(fake) { f in
            let error = await f.resolveError()
            guard case .noCredentials(let tried)? = error as? AWSCredentialError else {
                return XCTFail("expected noCredentials, got \(String(describing: error))")
            }
            XCTAssertEqual(tried.map(\.provider), [
                "env", "assume-role", "assume-role-with-web-identity", "shared-credentials-file", "config-file",
                "container-role", "iam-role",
            ])
            let text = String(describing: error!)
            XCTAssertTrue(text.hasPrefix("NoCredentialProviders: no valid providers in chain"), text)
            for reason in [
                "AWS_ACCESS_KEY_ID is not set", "no profile \"default\"", "AWS_WEB_IDENTITY_TOKEN_FILE is not set",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "has no IAM role attached",
            ] {
                XCTAssertTrue(text.contains(reason), "missing \(reason) in \(text)")
            }
        }
    }
}

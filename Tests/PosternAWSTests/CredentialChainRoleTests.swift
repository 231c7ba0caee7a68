import Foundation
import XCTest

@testable import PosternAWS

/// Assume-role profiles and web identity, against the fake STS on loopback.
final class CredentialChainRoleTests: XCTestCase {
    func writeRoleProfiles(_ f: CredentialChainFixture) throws {
        try f.write(".aws/credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base/secret\n")
        try f.write(
            ".aws/config",
            """
            [profile app]
            role_arn = arn:aws:iam::123456789012:role/app
            source_profile = base
            external_id = ext-123
            role_session_name = app-session
            duration_seconds = 1800

            [profile top]
            role_arn = arn:aws:iam::123456789012:role/top
            source_profile = app

            [profile both]
            role_arn = arn:aws:iam::123456789012:role/x
            source_profile = base
            credential_source = Environment

            [profile loop1]
            role_arn = arn:aws:iam::123456789012:role/l1
            source_profile = loop2

            [profile loop2]
            role_arn = arn:aws:iam::123456789012:role/l2
            source_profile = loop1

            [profile fromenv]
            role_arn = arn:aws:iam::123456789012:role/fromenv
            credential_source = Environment

            [profile fromecs]
            role_arn = arn:aws:iam::123456789012:role/fromecs
            credential_source = EcsContainer

            [profile fromimds]
            role_arn = arn:aws:iam::123456789012:role/fromimds
            credential_source = Ec2InstanceMetadata

            [profile bogus]
            role_arn = arn:aws:iam::123456789012:role/bogus
            credential_source = Laptop
            """)
    }

    func stsCalls(_ f: CredentialChainFixture) -> [LoopbackHTTPRequest] {
        f.server.requests.filter { $0.method == "POST" }
    }

    func testAssumeRoleProfileSendsItsSettingsSignedBySourceProfile() async throws {
        try await CredentialChainFixture.with { f in
            try writeRoleProfiles(f)
            let resolved = try await f.resolve(["AWS_PROFILE": "app", "AWS_REGION": "eu-west-1"])
            XCTAssertEqual(resolved.credentials.accessKeyId, "ASIAAPP")
            XCTAssertEqual(resolved.source.provider, .assumeRole)
            XCTAssertTrue(resolved.source.detail.contains("assumed-role/app/app-session"), resolved.source.detail)
            let call = try XCTUnwrap(stsCalls(f).first)
            XCTAssertEqual(call.form["Action"], "AssumeRole")
            XCTAssertEqual(call.form["RoleArn"], "arn:aws:iam::123456789012:role/app")
            XCTAssertEqual(call.form["ExternalId"], "ext-123")
            XCTAssertEqual(call.form["RoleSessionName"], "app-session")
            XCTAssertEqual(call.form["DurationSeconds"], "1800")
            XCTAssertEqual(call.signingAccessKey, "AKIDBASE")
            XCTAssertTrue(call.header("authorization")?.contains("/eu-west-1/sts/aws4_request") ?? false)
        }
    }

    func testAssumeRoleBeatsTheProfilesOwnKeysAndWebIdentity() async throws {
        try await CredentialChainFixture.with { f in
            try writeRoleProfiles(f)
            let token = try f.write("token", "eyJ.web-identity.token")
            // Web identity in the environment is the next provider; the role profile comes first.
            let resolved = try await f.resolve([
                "AWS_PROFILE": "app", "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::1:role/web",
            ])
            XCTAssertEqual(resolved.source.provider, .assumeRole)
        }
    }

    func testChainedSourceProfilesSignEachHopWithThePrevious() async throws {
        try await CredentialChainFixture.with { f in
            try writeRoleProfiles(f)
            let resolved = try await f.resolve(["AWS_PROFILE": "top"])
            XCTAssertEqual(resolved.credentials.accessKeyId, "ASIATOP")
            let calls = stsCalls(f)
            XCTAssertEqual(calls.map { $0.form["RoleArn"] ?? "" }, [
                "arn:aws:iam::123456789012:role/app", "arn:aws:iam::123456789012:role/top",
            ])
            XCTAssertEqual(calls.map { $0.signingAccessKey ?? "" }, ["AKIDBASE", "ASIAAPP"])
            // The second hop carries the first hop's session token.
            XCTAssertEqual(calls.last?.header("x-amz-security-token"), "token/ASIAAPP+==")
        }
    }

    func testProfileConfigurationErrors() async throws {
        try await CredentialChainFixture.with { f in
            try writeRoleProfiles(f)
            let both = await f.resolveError(["AWS_PROFILE": "both"])
            XCTAssertEqual(
                both as? AWSCredentialError,
                .invalidConfig("the profile \"both\" contains both source_profile and credential_source"))
            let loop = await f.resolveError(["AWS_PROFILE": "loop1"])
            XCTAssertTrue(String(describing: loop).contains("infinite loop"), String(describing: loop))
            let bogus = await f.resolveError(["AWS_PROFILE": "bogus"])
            XCTAssertTrue(String(describing: bogus).contains("Environment, Ec2InstanceMetadata, EcsContainer"))
            XCTAssertTrue(stsCalls(f).isEmpty)
        }
    }

    func testCredentialSources() async throws {
        try await CredentialChainFixture.with { f in
            try writeRoleProfiles(f)
            let env = try await f.resolve([
                "AWS_PROFILE": "fromenv", "AWS_ACCESS_KEY_ID": "AKIDSRCENV", "AWS_SECRET_ACCESS_KEY": "s",
            ], profile: "fromenv")
            XCTAssertEqual(env.credentials.accessKeyId, "ASIAFROMENV")
            let ecs = try await f.resolve([
                "AWS_PROFILE": "fromecs", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/task",
            ])
            XCTAssertEqual(ecs.credentials.accessKeyId, "ASIAFROMECS")
            let imds = try await f.resolve(["AWS_PROFILE": "fromimds"])
            XCTAssertEqual(imds.credentials.accessKeyId, "ASIAFROMIMDS")
            XCTAssertEqual(stsCalls(f).map { $0.signingAccessKey ?? "" }, ["AKIDSRCENV", "AKIDECS", "AKIDIMDS"])
            let missing = await f.resolveError(["AWS_PROFILE": "fromenv"], profile: "fromenv")
            XCTAssertTrue(String(describing: missing).contains("no credentials found in the credential_source"))
        }
    }

    func testWebIdentityFromEnvironmentIsUnsignedAndBeatsSharedFiles() async throws {
        try await CredentialChainFixture.with { f in
            try f.write(".aws/credentials", "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s\n")
            let token = try f.write("token", "eyJ.web-identity.token\n")
            let resolved = try await f.resolve([
                "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/web",
                "AWS_ROLE_SESSION_NAME": "pod-1",
            ])
            XCTAssertEqual(resolved.credentials.accessKeyId, "ASIAWEB")
            XCTAssertEqual(resolved.source.provider, .webIdentity)
            let call = try XCTUnwrap(stsCalls(f).first)
            XCTAssertEqual(call.form["Action"], "AssumeRoleWithWebIdentity")
            XCTAssertEqual(call.form["RoleSessionName"], "pod-1")
            XCTAssertNil(call.header("authorization"))
        }
    }

    func testWebIdentityFromProfileAndMissingRole() async throws {
        try await CredentialChainFixture.with { f in
            let token = try f.write("token", "eyJ.web-identity.token")
            try f.write(
                ".aws/config",
                "[profile k8s]\nweb_identity_token_file = \(token)\nrole_arn = arn:aws:iam::123456789012:role/k8s\n")
            let resolved = try await f.resolve(["AWS_PROFILE": "k8s"])
            XCTAssertEqual(resolved.source.provider, .webIdentity)
            let error = await f.resolveError(["AWS_WEB_IDENTITY_TOKEN_FILE": token])
            XCTAssertTrue(String(describing: error).contains("no role ARN"), String(describing: error))
        }
    }

    func testRejectedWebIdentityTokenNeverShowsTheToken() async throws {
        try await CredentialChainFixture.with { f in
            let token = try f.write("token", "eyJ.wrong.token-value")
            let error = await f.resolveError([
                "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/web",
            ])
            let text = String(describing: error)
            XCTAssertTrue(text.contains("InvalidIdentityToken"), text)
            XCTAssertFalse(text.contains("eyJ.wrong.token-value"), text)
        }
    }
}

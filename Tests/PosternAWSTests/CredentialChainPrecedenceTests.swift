import Foundation
import XCTest

@testable import PosternAWS

/// Environment keys, profiles and the shared files, in botocore's order.
final class CredentialChainPrecedenceTests: XCTestCase {
    let envKeys = ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env/secret+key"]

    func writeProfiles(_ f: CredentialChainFixture) throws {
        try f.write(
            ".aws/credentials",
            """
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = default/secret

            [dev]
            aws_access_key_id = AKIDDEVCREDS
            aws_secret_access_key = dev/secret
            """)
        try f.write(
            ".aws/config",
            """
            # comment
            [default]
            region = eu-west-1

            [profile dev]
            aws_access_key_id = AKIDDEVCONFIG
            aws_secret_access_key = dev/config/secret
            region = eu-central-1
            s3 =
              max_concurrent_requests = 5

            [profile cfgonly]
            aws_access_key_id = AKIDCFGONLY
            aws_secret_access_key = cfg/secret
            aws_session_token = cfg/token

            [bare]
            aws_access_key_id = AKIDBARE
            aws_secret_access_key = bare/secret
            """)
    }

    func testEnvironmentKeysBeatProfilesAndFiles() async throws {
        try await CredentialChainFixture.with { f in
            try writeProfiles(f)
            let resolved = try await f.resolve(
                envKeys.merging(["AWS_PROFILE": "dev", "AWS_SESSION_TOKEN": "env/token=="]) { $1 })
            XCTAssertEqual(resolved.credentials.accessKeyId, "AKIDENV")
            XCTAssertEqual(resolved.credentials.sessionToken, "env/token==")
            XCTAssertEqual(resolved.source.provider, .environment)
        }
    }

    func testAccessKeyWithoutSecretIsAnErrorNotAFallThrough() async throws {
        try await CredentialChainFixture.with { f in
            try writeProfiles(f)
            let error = await f.resolveError(["AWS_ACCESS_KEY_ID": "AKIDENV"])
            XCTAssertEqual(error as? AWSCredentialError, .partialCredentials(provider: "env", missing: "AWS_SECRET_ACCESS_KEY"))
        }
    }

    func testExplicitProfileTurnsEnvironmentKeysOff() async throws {
        try await CredentialChainFixture.with { f in
            try writeProfiles(f)
            let resolved = try await f.resolve(envKeys, profile: "dev")
            XCTAssertEqual(resolved.credentials.accessKeyId, "AKIDDEVCREDS")
        }
    }

    func testProfileSelectionOrder() async throws {
        try await CredentialChainFixture.with { f in
            try writeProfiles(f)
            let both = try await f.resolve(["AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "cfgonly"])
            XCTAssertEqual(both.credentials.accessKeyId, "AKIDDEVCREDS")
            let fallback = try await f.resolve(["AWS_DEFAULT_PROFILE": "cfgonly"])
            XCTAssertEqual(fallback.credentials.accessKeyId, "AKIDCFGONLY")
            XCTAssertEqual(fallback.credentials.sessionToken, "cfg/token")
            XCTAssertEqual(fallback.source.provider, .configFile)
            let none = try await f.resolve()
            XCTAssertEqual(none.credentials.accessKeyId, "AKIDDEFAULT")
        }
    }

    func testCredentialsFileBeatsConfigFileInTheSameProfile() async throws {
        try await CredentialChainFixture.with { f in
            try writeProfiles(f)
            let resolved = try await f.resolve(["AWS_PROFILE": "dev"])
            XCTAssertEqual(resolved.credentials.accessKeyId, "AKIDDEVCREDS")
            XCTAssertEqual(resolved.source.provider, .sharedCredentialsFile)
            XCTAssertTrue(resolved.source.detail.contains("profile dev"), resolved.source.detail)
            // The profile's region still comes from the config file.
            XCTAssertEqual(f.chain(["AWS_PROFILE": "dev"]).region, "eu-central-1")
        }
    }

    func testBareSectionInConfigFileIsNotAProfile() async throws {
        try await CredentialChainFixture.with { f in
            try writeProfiles(f)
            let error = await f.resolveError(["AWS_PROFILE": "bare", "AWS_EC2_METADATA_DISABLED": "true"])
            guard case .profileNotFound(let name, _, _)? = error as? AWSCredentialError else {
                return XCTFail("expected profileNotFound, got \(String(describing: error))")
            }
            XCTAssertEqual(name, "bare")
        }
    }

    func testUnsupportedProviderSettingsAreNamed() async throws {
        try await CredentialChainFixture.with { f in
            try f.write(".aws/config", "[profile sso]\nsso_session = corp\nsso_account_id = 1\n")
            let error = await f.resolveError(["AWS_PROFILE": "sso", "AWS_EC2_METADATA_DISABLED": "true"])
            XCTAssertTrue(
                String(describing: error).contains("(it sets sso_session, which Postern does not support)"),
                String(describing: error))
        }
    }

    func testFileLocationVariables() async throws {
        try await CredentialChainFixture.with { f in
            let credentials = try f.write("elsewhere/creds", "[default]\naws_access_key_id=AKIDELSEWHERE\naws_secret_access_key=s\n")
            let config = try f.write("elsewhere/conf", "[profile other]\nregion = ap-south-1\n")
            let env = ["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": config]
            let resolved = try await f.resolve(env)
            XCTAssertEqual(resolved.credentials.accessKeyId, "AKIDELSEWHERE")
            XCTAssertTrue(resolved.source.detail.contains(credentials))
            XCTAssertEqual(f.chain(env.merging(["AWS_PROFILE": "other", "AWS_EC2_METADATA_DISABLED": "true"]) { $1 }).region, "ap-south-1")
            // ~ expands against the given HOME.
            let tilde = try await f.resolve(["AWS_SHARED_CREDENTIALS_FILE": "~/elsewhere/creds"])
            XCTAssertEqual(tilde.credentials.accessKeyId, "AKIDELSEWHERE")
        }
    }

    func testRegionOrder() async throws {
        try await CredentialChainFixture.with { f in
            try writeProfiles(f)
            XCTAssertEqual(f.chain(["AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-east-2"]).region, "us-west-2")
            XCTAssertEqual(f.chain(["AWS_DEFAULT_REGION": "us-east-2"]).region, "us-east-2")
            XCTAssertEqual(f.chain().region, "eu-west-1")
            XCTAssertNil(f.chain(["AWS_PROFILE": "cfgonly"]).region)
        }
    }
}

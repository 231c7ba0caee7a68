import Foundation
import XCTest

/// `postern aws whoami` through the real binary, against the shared moto_server.
final class AWSWhoamiTests: XCTestCase {
    /// Every variable the SDK chain reads, blanked, so the developer's or CI's own AWS settings
    /// never leak in; IMDS is off so nothing but loopback is ever asked.
    func isolatedEnvironment(home: String, _ extra: [String: String]) -> [String: String] {
        let blank = [
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_CREDENTIAL_EXPIRATION",
        ]
        var environment = Dictionary(uniqueKeysWithValues: blank.map { ($0, "") })
        environment["HOME"] = home
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        return environment.merging(extra) { $1 }
    }

    func motoURL() throws -> String {
        try CLIMoto.load().url
    }

    func testWhoamiShowsCallerAndProvider() throws {
        let moto = try motoURL()
        let home = try TempConfig("")
        let secret = "cli/secret+KEY=="
        let environment = isolatedEnvironment(home: home.dir.path, [
            "AWS_ACCESS_KEY_ID": "AKIDCLITEST", "AWS_SECRET_ACCESS_KEY": secret, "AWS_ENDPOINT_URL_STS": moto,
            "AWS_REGION": "eu-west-1",
        ])
        let text = try CLIRunner.run(["aws", "whoami"], environment: environment)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("Account:   123456789012"), text.stdout)
        XCTAssertTrue(text.stdout.contains("Provider:  env"), text.stdout)
        XCTAssertTrue(text.stdout.contains("Region:    eu-west-1"), text.stdout)
        XCTAssertTrue(text.stdout.contains("STS:       \(moto)/"), text.stdout)

        let json = try CLIRunner.run(["aws", "whoami", "--format", "json"], environment: environment)
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["account"] as? String, "123456789012")
        XCTAssertEqual(object["provider"] as? String, "env")
        XCTAssertTrue((object["arn"] as? String ?? "").hasPrefix("arn:aws:"))
        for output in [text.stdout, text.stderr, json.stdout, json.stderr] {
            XCTAssertFalse(output.contains(secret))
        }
    }

    func testWhoamiWithAProfileFromTheSharedFiles() throws {
        let moto = try motoURL()
        let home = try TempConfig("")
        try home.write(".aws/credentials", "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = ops/secret\n")
        try home.write(".aws/config", "[profile ops]\nregion = ap-southeast-2\n")
        let result = try CLIRunner.run(
            ["aws", "whoami", "--profile", "ops", "--format", "json"],
            environment: isolatedEnvironment(home: home.dir.path, ["AWS_ENDPOINT_URL_STS": moto]))
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["provider"] as? String, "shared-credentials-file")
        XCTAssertEqual(object["profile"] as? String, "ops")
        XCTAssertEqual(object["region"] as? String, "ap-southeast-2")

        let flagged = try CLIRunner.run(
            ["aws", "whoami", "--profile", "ops", "--region", "us-west-1", "--format", "json"],
            environment: isolatedEnvironment(home: home.dir.path, ["AWS_ENDPOINT_URL_STS": moto]))
        XCTAssertEqual(flagged.status, 0, flagged.stderr)
        let flaggedObject = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(flagged.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(flaggedObject["region"] as? String, "us-west-1")
    }

    func testWhoamiWithoutCredentialsListsEveryProvider() throws {
        let home = try TempConfig("")
        let result = try CLIRunner.run(["aws", "whoami"], environment: isolatedEnvironment(home: home.dir.path, [:]))
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("postern: NoCredentialProviders: no valid providers in chain"), result.stderr)
        for provider in ["env:", "assume-role:", "assume-role-with-web-identity:", "shared-credentials-file:",
                         "config-file:", "container-role:", "iam-role: AWS_EC2_METADATA_DISABLED=true"] {
            XCTAssertTrue(result.stderr.contains(provider), "missing \(provider) in \(result.stderr)")
        }
    }
}

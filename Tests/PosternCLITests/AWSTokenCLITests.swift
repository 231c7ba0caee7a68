import Foundation
import XCTest

/// `postern aws token …` through the built binary: with environment credentials and the hidden
/// `--signing-time`, every token equals botocore's from Tests/PosternAWSTests/Fixtures/iam-auth-tokens.json.
final class AWSTokenCLITests: XCTestCase {
    struct Vector: Decodable {
        struct Credentials: Decodable {
            let accessKeyId: String
            let secretAccessKey: String
            let sessionToken: String?
        }

        let name: String
        let kind: String
        let host: String
        let port: Int?
        let user: String?
        let region: String
        let credentials: Credentials
        let amzDate: String
        let token: String
    }

    struct Fixture: Decodable { let vectors: [Vector] }

    static func vectors(filePath: String = #filePath) throws -> [Vector] {
        let url = URL(fileURLWithPath: filePath).deletingLastPathComponent()
            .appendingPathComponent("../PosternAWSTests/Fixtures/iam-auth-tokens.json").standardized
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).vectors
    }

    /// Only these credentials: no profile files, no instance metadata.
    static func environment(_ credentials: Vector.Credentials? = nil) -> [String: String] {
        var env = [
            "AWS_ACCESS_KEY_ID": credentials?.accessKeyId ?? "", "AWS_SECRET_ACCESS_KEY": credentials?.secretAccessKey ?? "",
            "AWS_SESSION_TOKEN": credentials?.sessionToken ?? "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
            "AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
            "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "HOME": "/nonexistent",
        ]
        if credentials?.sessionToken == nil { env["AWS_SESSION_TOKEN"] = "" }
        return env
    }

    /// `20260314T092653Z` → `2026-03-14T09:26:53Z`.
    static func isoTime(_ amzDate: String) -> String {
        let c = Array(amzDate)
        return String(c[0..<4]) + "-" + String(c[4..<6]) + "-" + String(c[6..<8]) + "T" + String(c[9..<11]) + ":"
            + String(c[11..<13]) + ":" + String(c[13..<15]) + "Z"
    }

    static func arguments(_ v: Vector) -> [String] {
        var args = ["aws", "token"]
        switch v.kind {
        case "rds":
            args += ["rds", "--host", v.host, "--port", String(v.port ?? 0), "--db-user", v.user ?? ""]
        case "dsql":
            args += ["dsql", "--host", v.host]
        case "dsql-admin":
            args += ["dsql", "--host", v.host, "--admin"]
        case "elasticache":
            args += ["elasticache", "--replication-group", v.host, "--db-user", v.user ?? ""]
        case "elasticache-serverless":
            args += ["elasticache", "--replication-group", v.host, "--db-user", v.user ?? "", "--serverless"]
        case "memorydb":
            args += ["memorydb", "--cluster", v.host, "--db-user", v.user ?? ""]
        default:
            XCTFail("unknown vector kind \(v.kind)")
        }
        return args + ["--region", v.region, "--signing-time", isoTime(v.amzDate)]
    }

    func testEveryTokenEqualsBotocore() throws {
        let vectors = try Self.vectors()
        XCTAssertEqual(Set(vectors.map(\.kind)),
                       ["rds", "dsql", "dsql-admin", "elasticache", "elasticache-serverless", "memorydb"])
        for v in vectors {
            let r = try CLIRunner.run(Self.arguments(v), environment: Self.environment(v.credentials))
            XCTAssertEqual(r.status, 0, "\(v.name): \(r.stderr)")
            XCTAssertEqual(r.stdout, v.token + "\n", v.name)
            XCTAssertEqual(r.stderr, "", v.name)
        }
    }

    func testRegionComesFromTheHostWhenNotGiven() throws {
        let v = try XCTUnwrap(try Self.vectors().first { $0.kind == "rds" && $0.credentials.sessionToken == nil })
        let args = Self.arguments(v).filter { $0 != "--region" && $0 != v.region }
        let r = try CLIRunner.run(args, environment: Self.environment(v.credentials))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, v.token + "\n")
    }

    func testNoCredentialsIsOneClearFailureWithoutSecrets() throws {
        let r = try CLIRunner.run(
            ["aws", "token", "memorydb", "--cluster", "c", "--db-user", "u", "--region", "us-east-1"],
            environment: Self.environment())
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.hasPrefix("postern: NoCredentialProviders: no valid providers in chain; tried:\n"), r.stderr)
        XCTAssertTrue(r.stderr.contains("  - env: AWS_ACCESS_KEY_ID is not set\n"), r.stderr)
    }

    func testBadSigningTimeAndHiddenFlag() throws {
        let v = try XCTUnwrap(try Self.vectors().first { $0.kind == "memorydb" })
        var args = Self.arguments(v)
        args[args.count - 1] = "yesterday"
        let r = try CLIRunner.run(args, environment: Self.environment(v.credentials))
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "postern: --signing-time must be an ISO 8601 time such as 2026-01-02T03:04:05Z\n")
        XCTAssertFalse(r.stderr.contains(v.credentials.secretAccessKey))
        let help = try CLIRunner.run(["aws", "token", "rds", "--help"])
        XCTAssertTrue(help.stdout.contains("--db-user"), help.stdout)
        XCTAssertFalse(help.stdout.contains("signing-time"), "the flag is for tests only")
    }
}

import Foundation
import XCTest

/// `postern db configure aws print-iam` through the built binary: for every type, the JSON's
/// identity policy (and trust policy, where the reference has one) equals the document in
/// Teleport's IAM reference; the account id comes from moto's GetCallerIdentity when it answers.
final class PrintIAMCLITests: XCTestCase {
    static func referenceLines(filePath: String = #filePath) throws -> [String] {
        let url = URL(fileURLWithPath: filePath).deletingLastPathComponent()
            .appendingPathComponent("../PosternAWSTests/Fixtures/teleport-aws-iam-reference.txt").standardized
        return try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
    }

    /// The `index`th top-level JSON block after the exact heading line, parsed.
    static func block(_ heading: String, index: Int = 0, in lines: [String]) throws -> NSDictionary {
        var i = try XCTUnwrap(lines.firstIndex(of: heading), heading) + 1
        var found = -1
        while i < lines.count {
            if lines[i] == "{", let end = lines[i...].firstIndex(of: "}") {
                found += 1
                if found == index {
                    let text = lines[i...end].joined(separator: "\n")
                    return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
                }
                i = end
            }
            i += 1
        }
        throw CLIMoto.NotRunning(looked: ["no block \(index) after \(heading)"])
    }

    /// No AWS credentials anywhere, so GetCallerIdentity cannot be asked and the reference's
    /// placeholders stay.
    static let offline = [
        "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
        "AWS_DEFAULT_PROFILE": "", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/c", "AWS_CONFIG_FILE": "/nonexistent/c",
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
    ]

    func printIAM(_ arguments: [String], environment: [String: String] = offline) throws -> NSDictionary {
        let r = try CLIRunner.run(["db", "configure", "aws", "print-iam", "--format", "json"] + arguments,
                                  environment: environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? NSDictionary, r.stdout)
    }

    func testEveryTypeEqualsTheReference() throws {
        let lines = try Self.referenceLines()
        let cases: [(String, String, String?, Int)] = [
            ("docdb", "DocumentDB", "IAM role as a DocumentDB database user", 0),
            ("dynamodb", "DynamoDB", "IAM role as a DynamoDB database user", 0),
            ("elasticache", "ElastiCache for Redis", nil, 0),
            ("keyspaces", "Keyspaces", "IAM role as a Keyspaces database user", 0),
            ("memorydb", "MemoryDB", nil, 0),
            ("opensearch", "OpenSearch", "IAM role as an OpenSearch database user", 0),
            ("rds", "RDS", nil, 0),
            ("rdsproxy", "RDS Proxy", nil, 0),
            ("redshift", "Redshift", "IAM role as a Redshift database user", 1),
            ("redshift-serverless", "Redshift Serverless", "IAM role as a Redshift Serverless database user", 1),
        ]
        for (type, heading, roleHeading, trustIndex) in cases {
            let out = try printIAM(["--types", type])
            XCTAssertEqual(out["account_id"] as? String, "aws-account-id", type)
            XCTAssertEqual(out["account_source"] as? String, "placeholder", type)
            XCTAssertEqual(out["identity_policy"] as? NSDictionary, try Self.block(heading, in: lines), type)
            let roles = try XCTUnwrap(out["database_user_roles"] as? [NSDictionary], type)
            guard let roleHeading else {
                XCTAssertEqual(roles.count, 0, type)
                continue
            }
            XCTAssertEqual(roles.count, 1, type)
            XCTAssertEqual(roles[0]["trust_policy"] as? NSDictionary,
                           try Self.block(roleHeading, index: trustIndex, in: lines), type)
            if trustIndex == 1 {
                XCTAssertEqual(roles[0]["permission_policy"] as? NSDictionary, try Self.block(roleHeading, in: lines), type)
            } else {
                XCTAssertNil(roles[0]["permission_policy"], type)
            }
        }
    }

    func testManagedUsersAndSeveralTypes() throws {
        let lines = try Self.referenceLines()
        let out = try printIAM(["--types", "elasticache,memorydb", "--managed-users"])
        let printed = try XCTUnwrap((out["identity_policy"] as? NSDictionary)?["Statement"] as? [NSDictionary])
        func statements(_ heading: String) throws -> [NSDictionary] {
            try XCTUnwrap(try Self.block(heading, in: lines)["Statement"] as? [NSDictionary])
        }
        XCTAssertEqual(printed, try statements("ElastiCache for Redis") + statements("ElastiCache managed users")
            + statements("MemoryDB") + statements("MemoryDB managed users"))
    }

    func testAccountAndCallerFromMoto() throws {
        let moto = try CLIMoto.load()
        let out = try printIAM(["--types", "redshift", "--role", "postern-svc"], environment: moto.environment)
        XCTAssertEqual(out["account_id"] as? String, "123456789012")
        XCTAssertEqual(out["account_source"] as? String, "sts:GetCallerIdentity")
        XCTAssertEqual(out["principal"] as? String, "arn:aws:iam::123456789012:role/postern-svc")
        let text = try XCTUnwrap(String(data: try JSONSerialization.data(withJSONObject: out), encoding: .utf8))
        XCTAssertFalse(text.contains("aws-account-id"), text)
        let role = try XCTUnwrap((out["database_user_roles"] as? [NSDictionary])?.first)
        let trust = try XCTUnwrap((role["trust_policy"] as? NSDictionary)?["Statement"] as? [NSDictionary])
        XCTAssertEqual((trust[0]["Principal"] as? NSDictionary)?["AWS"] as? String,
                       "arn:aws:iam::123456789012:role/postern-svc")

        let r = try CLIRunner.run(["db", "configure", "aws", "print-iam", "--types", "rds"], environment: moto.environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("# Identity policy: attach to arn:aws:iam::123456789012:role/teleport-db-service-role\n"
            + "# (account 123456789012 from sts:GetCallerIdentity, caller "), r.stdout)
        XCTAssertTrue(r.stdout.contains("\"Sid\": \"RDSConnect\""), r.stdout)
    }

    func testUnknownTypeIsRefused() throws {
        let r = try CLIRunner.run(["db", "configure", "aws", "print-iam", "--types", "rds,mongodb"],
                                  environment: Self.offline)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.hasPrefix("postern: unknown database type \"mongodb\" in --types (known: rds, rdsproxy,"),
                      r.stderr)
    }
}

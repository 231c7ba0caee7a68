import Foundation
import XCTest

/// `postern db ls` with a `discovery:` block, through the built binary against the shared
/// moto_server: discovered databases are listed with the static ones, a static database wins a
/// name clash, and a discovery failure is reported on stderr without failing the listing.
final class DiscoveryListCLITests: XCTestCase {
    func config(run: String, region: String = "us-east-1") -> String {
        """
        cluster_name: cli-discovery
        users:
          - name: alice
            roles: [access]
            traits: {db_users: ['*'], db_names: ['*']}
        databases:
          - name: static-pg
            protocol: postgres
            uri: 127.0.0.1:5432
            static_labels: {env: dev}
            auth: password
            password_env: PGPASSWORD
          - name: clash-\(run)
            protocol: postgres
            uri: 127.0.0.1:5433
            auth: password
            password_env: PGPASSWORD
        discovery:
          aws:
            - types: [rds]
              regions: [\(region)]
              tags: {postern-cli: '\(run)'}
        """
    }

    func seed(_ moto: CLIMoto, run: String) throws {
        for id in ["disc-\(run)", "clash-\(run)"] {
            try moto.query("rds", [
                ("Action", "CreateDBInstance"), ("Version", "2014-10-31"), ("DBInstanceIdentifier", id),
                ("Engine", "postgres"), ("DBInstanceClass", "db.t3.micro"), ("AllocatedStorage", "20"),
                ("MasterUsername", "admin1"), ("MasterUserPassword", "not-a-secret-1"),
                ("EnableIAMDatabaseAuthentication", "true"),
                ("Tags.Tag.1.Key", "postern-cli"), ("Tags.Tag.1.Value", run),
                ("Tags.Tag.2.Key", "env"), ("Tags.Tag.2.Value", "prod"),
            ])
        }
    }

    func testDiscoveredAndStaticDatabasesAreListedTogether() throws {
        let moto = try CLIMoto.load()
        let run = String(UUID().uuidString.lowercased().prefix(8))
        try seed(moto, run: run)
        let c = try TempConfig(config(run: run))
        let r = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "alice", "--format", "json"],
                                  environment: moto.environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], r.stdout)
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as? String ?? "", $0) })
        XCTAssertEqual(Set(byName.keys), ["static-pg", "clash-\(run)", "disc-\(run)"])
        XCTAssertEqual(byName["clash-\(run)"]?["uri"] as? String, "127.0.0.1:5433", "the static database wins")
        let discovered = try XCTUnwrap(byName["disc-\(run)"])
        XCTAssertEqual(discovered["type"] as? String, "rds")
        XCTAssertEqual(discovered["protocol"] as? String, "postgres")
        XCTAssertEqual(discovered["description"] as? String, "RDS instance in us-east-1")
        let labels = try XCTUnwrap(discovered["labels"] as? [String: String])
        XCTAssertEqual(labels["postern-cli"], run)
        XCTAssertEqual(labels["env"], "prod")
        XCTAssertEqual(labels["account-id"], "123456789012")
        XCTAssertEqual(labels["region"], "us-east-1")
        XCTAssertEqual(labels["endpoint-type"], "instance")
        XCTAssertEqual(labels["engine"], "postgres")
        XCTAssertEqual(labels["teleport.dev/cloud"], "AWS")
        XCTAssertEqual(labels["teleport.dev/origin"], "cloud")
        XCTAssertEqual(r.stderr, "postern: AWS discovery: clash-\(run) (\(try XCTUnwrap(Self.uri(of: "clash-\(run)", moto)))) "
            + "is hidden by a configured database of the same name\n")

        let text = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "alice", "--search", run],
                                     environment: moto.environment)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("disc-\(run)"), text.stdout)
    }

    /// The endpoint moto gave an instance, to name it in the expected message.
    static func uri(of instance: String, _ moto: CLIMoto) throws -> String? {
        let body = try moto.query("rds", [("Action", "DescribeDBInstances"), ("Version", "2014-10-31"),
                                          ("DBInstanceIdentifier", instance)])
        guard let a = body.range(of: "<Address>"), let b = body.range(of: "</Address>"),
              let p = body.range(of: "<Port>"), let q = body.range(of: "</Port>") else { return nil }
        return String(body[a.upperBound..<b.lowerBound]) + ":" + String(body[p.upperBound..<q.lowerBound])
    }

    func testDiscoveryFailureIsReportedAndStaticDatabasesStillListed() throws {
        let moto = try CLIMoto.load()
        let c = try TempConfig(config(run: "none"))
        var environment = moto.environment
        environment["AWS_ENDPOINT_URL_RDS"] = "ftp://rds.invalid"
        let r = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "alice"], environment: environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("static-pg"), r.stdout)
        XCTAssertEqual(r.stderr, "postern: AWS discovery: discovery.aws[0] rds in us-east-1: AWS_ENDPOINT_URL_RDS=ftp://rds.invalid "
            + "is not an http(s) URL with a host (e.g. http://127.0.0.1:50505)\n")
        XCTAssertFalse(r.stderr.contains("testing"), "no credential in the message")
    }
}

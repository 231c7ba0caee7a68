import PosternCore
import XCTest

final class AuditConfigTests: XCTestCase {
    func decode(_ yaml: String) throws(ConfigError) -> AuditConfig {
        try ConfigDecoder.decode(yaml, file: "/etc/postern/postern.yaml", baseDir: "/etc/postern").config.audit
    }

    func testDefaultsToSQLiteUnderXDGState() throws {
        let c = try decode("cluster_name: x\n")
        XCTAssertEqual(c, AuditConfig(backend: .sqlite, path: nil, synchronous: .normal))
        XCTAssertEqual(c.resolvedPath(environment: ["XDG_STATE_HOME": "/var/state"], home: "/home/a"),
                       "/var/state/postern/audit.sqlite")
        XCTAssertEqual(c.resolvedPath(environment: [:], home: "/home/a"), "/home/a/.local/state/postern/audit.sqlite")
        XCTAssertEqual(c.resolvedPath(environment: ["XDG_STATE_HOME": "relative"], home: "/home/a"),
                       "/home/a/.local/state/postern/audit.sqlite")
        XCTAssertEqual(AuditConfig(backend: .jsonl).resolvedPath(environment: [:], home: "/root"),
                       "/root/.local/state/postern/audit.jsonl")
    }

    func testBackendPathAndSynchronous() throws {
        let c = try decode("audit: {backend: jsonl, path: logs/audit.jsonl, synchronous: full}\n")
        XCTAssertEqual(c, AuditConfig(backend: .jsonl, path: "/etc/postern/logs/audit.jsonl", synchronous: .full))
        XCTAssertEqual(try decode("audit:\n  path: /var/log/postern.sqlite\n").path, "/var/log/postern.sqlite")
    }

    func testSharedStoreHostAndBudget() throws {
        let c = try decode("""
            audit:
              host: bastion-eu-1
              disk_budget: 512MiB
              shared:
                postgres:
                  uri: audit.internal:5432
                  database: postern_audit
                  user: shipper
                  auth: password
                  password_file: secrets/shipper.password
                  tls: {mode: verify-full, ca_cert_file: ca.crt}
                retention: 90d
                keep_local: 7d
            """)
        XCTAssertEqual(c.host, "bastion-eu-1")
        XCTAssertEqual(c.diskBudgetBytes, 512 << 20)
        let shared = try XCTUnwrap(c.shared)
        XCTAssertEqual(shared.databaseName, "postern_audit")
        XCTAssertEqual(shared.user, "shipper")
        XCTAssertEqual(shared.retentionDays, 90)
        XCTAssertEqual(shared.keepLocalDays, 7)
        XCTAssertEqual(shared.server.uri, "audit.internal:5432")
        XCTAssertEqual(shared.server.auth, .password(.file("/etc/postern/secrets/shipper.password")))
        XCTAssertEqual(shared.server.tls.caCertFile, "/etc/postern/ca.crt")
        // Aurora: IAM by default, region from the endpoint.
        let aurora = try decode("""
            audit: {shared: {postgres: {uri: "audit.cluster-abc.eu-west-1.rds.amazonaws.com:5432", database: a, user: s}}}
            """).shared
        XCTAssertEqual(aurora?.server.auth, .iam)
        XCTAssertEqual(aurora?.server.aws.region, "eu-west-1")
        XCTAssertEqual(aurora?.retentionDays, SharedAuditConfig.defaultRetentionDays)
        XCTAssertEqual(aurora?.keepLocalDays, 7, "a week locally unless told otherwise")
        XCTAssertEqual(ByteSizeText.parse("10GiB"), 10 << 30)
        XCTAssertEqual(ByteSizeText.parse("2GB"), 2_000_000_000)
        XCTAssertEqual(ByteSizeText.parse("4096"), 4096)
        XCTAssertNil(ByteSizeText.parse("lots"))
        XCTAssertNil(ByteSizeText.parse("99999999999TiB"))
    }

    func testStrictErrors() {
        let cases: [(String, String)] = [
            ("audit: {backend: mysql}\n", "audit.backend must be sqlite or jsonl"),
            ("audit: {synchronous: off}\n", "audit.synchronous must be normal or full"),
            ("audit: {path: \"\"}\n", "audit.path must not be empty"),
            ("audit: {backend: sqlite, retention: 30d}\n", "unknown key \"retention\" in audit"),
            ("audit: [sqlite]\n", "audit must be a mapping"),
            ("audit: {disk_budget: lots}\n", "audit.disk_budget must be a size"),
            ("audit: {host: \"two words\"}\n", "audit.host must be a host name"),
            ("audit: {backend: jsonl, shared: {postgres: {uri: \"h:1\", database: a, user: b, auth: password, password_file: f}}}\n",
             "audit.shared needs backend: sqlite"),
            ("audit: {shared: {}}\n", "audit.shared.postgres is required"),
            ("audit: {shared: {postgres: {uri: \"u:p@h:1\", database: a, user: b}}}\n", "must be host:port, without credentials"),
            ("audit: {shared: {postgres: {uri: \"h:1\", database: a, user: b}}}\n", "auth is required"),
            ("audit: {shared: {postgres: {uri: \"h:1\", database: a, user: b, auth: password, password_file: f}, retention: 1y}}\n",
             "audit.shared.retention must be a number of days"),
            ("audit: {shared: {postgres: {uri: \"h:1\", user: b, auth: password, password_file: f}}}\n",
             "audit.shared.postgres.database is required"),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try decode(yaml), yaml) { error in
                XCTAssertTrue((error as? ConfigError)?.description.contains(message) ?? false, "\(error)")
                XCTAssertEqual((error as? ConfigError)?.line, 1, yaml)
            }
        }
    }
}

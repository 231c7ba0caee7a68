import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `postern db ls` and `db explain` end to end, through the built binary.
final class DBCommandTests: XCTestCase {
    static let config = """
    cluster_name: cli-test
    roles_dir: roles
    users:
      - name: alice
        roles: [dev, prod-ro, guard]
        traits: {db_users: [reader], db_names: [app]}
      - name: bob
        roles: [access, guard]
        traits: {db_users: ['*'], db_names: ['*']}
    databases:
      - name: orders-prod
        description: Orders
        protocol: postgres
        uri: 127.0.0.1:5432
        static_labels: {env: prod, team: payments}
        auth: password
        password_file: pg.password
      - name: analytics
        description: Analytics sandbox
        protocol: postgres
        uri: 127.0.0.1:5433
        static_labels: {env: dev, team: data}
        auth: password
        password_env: PG_PASSWORD
      - name: cache
        description: Sessions
        protocol: redis
        uri: 127.0.0.1:6380
        static_labels: {env: prod, team: web}
        auth: managed
      - name: reporting
        description: Aurora
        protocol: postgres
        uri: reporting.cluster-abc123.eu-west-2.rds.amazonaws.com:5432
        static_labels: {env: prod, team: data}
    """
    static let roles = """
    kind: role
    version: v7
    metadata: {name: dev}
    spec:
      allow:
        db_labels: {env: dev}
        db_users: [alice, '{{internal.db_users}}']
        db_names: ['*']
    ---
    kind: role
    version: v7
    metadata: {name: prod-ro}
    spec:
      allow:
        db_labels: {env: prod, team: [payments, data]}
        db_users: ['{{internal.db_users}}']
        db_names: ['{{internal.db_names}}']
    ---
    kind: role
    version: v7
    metadata: {name: guard}
    spec:
      deny:
        db_users: [postgres]
    """

    func makeConfig() throws -> TempConfig {
        try TempConfig(Self.config, files: ["roles/all.yaml": Self.roles])
    }

    func testListTextAsTshShowsIt() throws {
        let c = try makeConfig()
        let r = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "alice"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
        Name        Description       Allowed Users  Labels
        ----------- ----------------- -------------- ----------------------
        analytics   Analytics sandbox [alice reader] env=dev,team=data
        orders-prod Orders            [reader]       env=prod,team=payments
        reporting   Aurora            [reader]       env=prod,team=data

        """)
    }

    func testListVerboseFilteredByLabelsAndSearch() throws {
        let c = try makeConfig()
        let r = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "bob", "-v", "--labels", "env=prod",
                                   "--search", "team=data"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
        Name      Description Protocol Type URI                                                       Allowed Users           Labels
        --------- ----------- -------- ---- --------------------------------------------------------- ----------------------- ------------------
        reporting Aurora      postgres rds  reporting.cluster-abc123.eu-west-2.rds.amazonaws.com:5432 [*], except: [postgres] env=prod,team=data

        """)
    }

    func testListJSON() throws {
        let c = try makeConfig()
        let r = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "bob", "--format", "json",
                                   "--labels", "team=web"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.count, 1)
        let row = rows[0]
        XCTAssertEqual(Set(row.keys), ["name", "description", "protocol", "type", "uri", "labels", "allowed_users",
                                       "denied_users"])
        XCTAssertEqual(row["name"] as? String, "cache")
        XCTAssertEqual(row["protocol"] as? String, "redis")
        XCTAssertEqual(row["type"] as? String, "self-hosted")
        XCTAssertEqual(row["uri"] as? String, "127.0.0.1:6380")
        XCTAssertEqual(row["labels"] as? [String: String], ["env": "prod", "team": "web"])
        XCTAssertEqual(row["allowed_users"] as? [String], ["*"])
        XCTAssertEqual(row["denied_users"] as? [String], ["postgres"])
    }

    func testExplainAllowedAndDenied() throws {
        let c = try makeConfig()
        let ok = try CLIRunner.run(["db", "explain", "orders-prod", "--db-user", "reader", "--db-name", "app",
                                    "--config", c.path, "--as", "alice", "--format", "json"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let okJSON = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(okJSON["allowed"] as? Bool, true)
        XCTAssertEqual(okJSON["role"] as? String, "prod-ro")
        XCTAssertEqual(okJSON["rule"] as? String, "allow")

        let denied = try CLIRunner.run(["db", "explain", "orders-prod", "--db-user", "postgres",
                                        "--config", c.path, "--as", "bob", "--format", "json"])
        XCTAssertEqual(denied.status, 1)
        let deniedJSON = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(denied.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(deniedJSON["allowed"] as? Bool, false)
        XCTAssertEqual(deniedJSON["role"] as? String, "guard")
        XCTAssertEqual(deniedJSON["rule"] as? String, "deny.db_users")
        XCTAssertEqual(deniedJSON["reason"] as? String,
                       "access to db denied. User does not have permissions. Confirm database user and name.")

        let text = try CLIRunner.run(["db", "explain", "orders-prod", "--db-user", "reader", "--db-name", "other",
                                      "--config", c.path, "--as", "alice"])
        XCTAssertEqual(text.status, 1)
        XCTAssertTrue(text.stdout.hasPrefix("denied\n  rule:   no allow\n"), text.stdout)
        XCTAssertTrue(text.stdout.contains("role prod-ro: db_names [\"app\"] do not include \"other\""), text.stdout)
    }

    func testUnknownKeyIsOneLineWithFileAndLine() throws {
        let c = try TempConfig(Self.config.replacingOccurrences(of: "    static_labels: {env: dev, team: data}",
                                                                with: "    static_lables: {env: dev, team: data}"),
                               files: ["roles/all.yaml": Self.roles])
        let r = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "alice"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "postern: \(c.path):22: unknown key \"static_lables\" in databases[1]\n")
        XCTAssertEqual(r.stdout, "")
    }

    func testGroupWritableConfigAndRoleFileAreRefused() throws {
        let c = try makeConfig()
        try c.chmod("postern.yaml", 0o664)
        var r = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "alice"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "postern: \(c.path): refusing to start: writable by group or others (mode 0664), so anyone could grant themselves access; run: chmod go-w \(c.path)\n")
        try c.chmod("postern.yaml", 0o644)
        try c.chmod("roles/all.yaml", 0o646)
        r = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "alice"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("roles/all.yaml: refusing to start"), r.stderr)
    }

    func testConfigFromEnvironmentAndMissingFile() throws {
        let c = try makeConfig()
        let viaEnv = try CLIRunner.run(["db", "ls", "--as", "alice"], environment: ["POSTERN_CONFIG": c.path])
        XCTAssertEqual(viaEnv.status, 0, viaEnv.stderr)
        let missing = try CLIRunner.run(["db", "ls", "--config", c.path + ".nope"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "postern: \(c.path).nope: config file not found (set --config or POSTERN_CONFIG)\n")
    }

    func testUnknownLoginSeesNoDatabases() throws {
        let c = try makeConfig()
        let r = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "mallory", "--format", "json"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "[]\n")
        XCTAssertEqual(r.stderr, "postern: user \"mallory\" is not in users: of \(c.path), so no databases are available; ask an administrator to add you\n")
    }

    func testAsIsRefusedForANonOwner() throws {
        // Needs a second uid: run the binary as `nobody` against a config root owns.
        guard geteuid() == 0 else {
            throw XCTSkip("needs root to run the binary as another user (CI runs as root)")
        }
        let c = try makeConfig()
        let bin = c.dir.appendingPathComponent("postern-bin")
        try FileManager.default.copyItem(at: CLIRunner.binary, to: bin)
        let r = try CLIRunner.run(["-u", "nobody", "--", bin.path, "db", "ls", "--config", c.path, "--as", "alice"],
                                  executable: URL(fileURLWithPath: "/usr/sbin/runuser"))
        XCTAssertEqual(r.status, 1, r.stdout)
        XCTAssertEqual(r.stderr, "postern: --as is allowed only for root or the owner of the config file; \"nobody\" is neither\n")
        let own = try CLIRunner.run(["-u", "nobody", "--", bin.path, "db", "ls", "--config", c.path],
                                    executable: URL(fileURLWithPath: "/usr/sbin/runuser"))
        XCTAssertEqual(own.status, 1)
        XCTAssertTrue(own.stderr.contains("user \"nobody\" is not in users:"), own.stderr)
    }

    func testNamesWithEscapeSequencesAreShownEscaped() throws {
        let c = try TempConfig("""
        users: [{name: alice, roles: [access], traits: {db_users: [u]}}]
        databases:
          - name: "evil\\e[2J\\e]0;pwned\\a"
            description: "line\\nbreak"
            protocol: postgres
            uri: 127.0.0.1:5432
            auth: password
            password_env: X
        """)
        let r = try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "alice"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.contains("\u{1B}"))
        XCTAssertTrue(r.stdout.contains("evil\\e[2J\\e]0;pwned\\u{7}"), r.stdout)
        XCTAssertTrue(r.stdout.contains("line\\nbreak"), r.stdout)
    }
}

import Foundation
import PosternTestSupport
import XCTest

/// A running `proxy db` follows its config: a role revoked in the file (no signal needed: the
/// change is seen within a second) denies the next connection and ends the open session, both
/// audited, and a restored role admits again.
final class TunnelReloadTests: XCTestCase {
    func config(_ env: ServiceEnvironment, files: PrivateConfig, roles: String) throws -> String {
        try files.write("""
            cluster_name: reload-test
            users:
              - name: \(KillNineTests.login())
                roles: [\(roles)]
                traits: {db_users: [\(try env.string("POSTERN_TEST_PG_ALICE_USER"))], db_names: [\(try env.string("POSTERN_TEST_PG_DATABASE"))]}
            databases:
            \(try ServiceDatabaseYAML.postgres(env, name: "pg", passwordKey: "POSTERN_TEST_PG_ALICE_PASSWORD_FILE"))
            audit: {backend: sqlite, path: \(files.path("audit.sqlite"))}

            """)
    }

    func testARevokedRoleEndsTheOpenSessionAndDeniesTheNext() throws {
        let env = try ServiceEnvironment.load()
        let files = try PrivateConfig("tunnel-reload")
        defer { files.remove() }
        let path = try config(env, files: files, roles: "access")
        let user = try env.string("POSTERN_TEST_PG_ALICE_USER"), database = try env.string("POSTERN_TEST_PG_DATABASE")
        let (proxy, banner) = try startJSONTunnel(["pg", "--db-user", user, "--db-name", database], config: path)
        defer { proxy.signal(SIGTERM); _ = proxy.wait(timeout: 15) }
        let port = try XCTUnwrap(banner["port"] as? Int)
        let password = try XCTUnwrap(banner["password"] as? String)
        let conninfo = "host=127.0.0.1 port=\(port) user=\(user) dbname=\(database)"
        let long = try Subprocess("psql", ["-X", "-At", conninfo, "-c", "select pg_sleep(60)"], environment: ["PGPASSWORD": password])
        XCTAssertTrue(try eventually(timeout: 15) {
            try Subprocess.run(KillNineTests.binary, ["audit", "search", "--config", path]).stdout.contains("pg_sleep(60)")
        }, "the long statement never reached the proxy")

        _ = try config(env, files: files, roles: "")
        let ended = long.wait(timeout: 20)
        XCTAssertFalse(ended.timedOut, "the open session was not ended")
        XCTAssertTrue(ended.stderr.contains("access revoked"), ended.combined)
        let again = try Subprocess.run("psql", ["-X", "-At", conninfo, "-c", "select 1"], environment: ["PGPASSWORD": password])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("access to db denied"), again.combined)
        XCTAssertTrue(proxy.stderrSoFar.contains("config reloaded"), proxy.stderrSoFar)

        // The restored role admits again.
        _ = try config(env, files: files, roles: "access")
        XCTAssertTrue(try eventually(timeout: 10) {
            try Subprocess.run("psql", ["-X", "-At", conninfo, "-c", "select 1"], environment: ["PGPASSWORD": password]).stdout == "1\n"
        })
        let search = try Subprocess.run(KillNineTests.binary, ["audit", "search", "--format", "json", "--config", path])
        XCTAssertTrue(search.stdout.contains("access revoked by a configuration change"), search.combined)
    }
}

import Foundation
import PosternTestSupport
import XCTest

/// Two `postern proxy db` processes, each with its own local store and host name, ship into one
/// shared store (a database on the test PostgreSQL): `audit search` from either shows both hosts'
/// statements, `play` reads a session from the shared store, and `audit tail` on one sees the
/// other's new statement within a second.
final class SharedAuditTunnelTests: XCTestCase {
    func testTwoBastionsShareOneTrail() throws {
        let h = try ProxyHarness()
        let sharedDB = "postern_shared_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10)
        XCTAssertEqual(try h.adminPSQL(["-c", "create database \(sharedDB)"]).status, 0)
        defer { _ = try? h.adminPSQL(["-c", "drop database if exists \(sharedDB) with (force)"]) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shared-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: dir) }

        func config(_ host: String) throws -> String {
            let path = dir.appendingPathComponent("\(host).yaml").path
            try """
                cluster_name: shared-test
                users:
                  - name: \(KillNineTests.login())
                    roles: [access]
                    traits: {db_users: [\(h.admin.user)], db_names: [\(KillNineTests.database)]}
                databases:
                \(try ServiceDatabaseYAML.postgres(h.env, name: "killdb", passwordKey: "POSTERN_TEST_PG_ADMIN_PASSWORD_FILE"))
                audit:
                  backend: sqlite
                  path: \(dir.appendingPathComponent("\(host).sqlite").path)
                  host: \(host)
                  shared:
                    postgres:
                      uri: \(try h.env.string("POSTERN_TEST_PG_HOST")):\(try h.env.string("POSTERN_TEST_PG_PORT"))
                      database: \(sharedDB)
                      user: \(h.admin.user)
                      auth: password
                      password_file: \(try h.env.string("POSTERN_TEST_PG_ADMIN_PASSWORD_FILE"))
                      tls: {mode: verify-full, ca_cert_file: \(try h.env.string("POSTERN_TEST_PG_CA"))}

                """.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o600)
            return path
        }
        if try h.adminPSQL(["-c", "select 1 from pg_database where datname = '\(KillNineTests.database)'"]).stdout != "1\n" {
            _ = try h.adminPSQL(["-c", "create database \(KillNineTests.database)"])
        }
        let configA = try config("bastion-a"), configB = try config("bastion-b")
        let initA = try Subprocess.run(KillNineTests.binary, ["audit", "init-shared", "--config", configA])
        XCTAssertEqual(initA.status, 0, initA.combined)
        let initB = try Subprocess.run(KillNineTests.binary, ["audit", "init-shared", "--config", configB])
        XCTAssertEqual(initB.status, 0, "idempotent: \(initB.combined)")

        let (proxyA, tunnelA) = try KillNineTests.startTunnel(config: configA, dbUser: h.admin.user)
        let (proxyB, tunnelB) = try KillNineTests.startTunnel(config: configB, dbUser: h.admin.user)
        defer {
            proxyA.signal(SIGTERM)
            proxyB.signal(SIGTERM)
            _ = proxyA.wait(timeout: 15)
            _ = proxyB.wait(timeout: 15)
        }
        func psql(_ tunnel: KillNineTests.Tunnel, _ sql: String) throws {
            let r = try Subprocess.run("psql", [tunnel.conninfo, "-X", "-At", "-c", sql], environment: ["PGPASSWORD": tunnel.password])
            XCTAssertEqual(r.status, 0, r.combined)
        }
        try psql(tunnelA, "select 'from-a'")
        try psql(tunnelB, "select 'from-b'")

        func search(_ config: String, _ extra: [String] = []) throws -> [[String: Any]] {
            let r = try Subprocess.run(KillNineTests.binary, ["audit", "search", "--config", config, "--format", "json",
                                                             "--type", "db.session.query"] + extra)
            XCTAssertEqual(r.status, 0, r.combined)
            return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
        }
        func hosts(_ events: [[String: Any]], _ text: String) -> Set<String> {
            Set(events.filter { ($0["db_query"] as? String)?.contains(text) == true }.compactMap { $0["postern_host"] as? String })
        }
        var fromA: [[String: Any]] = []
        XCTAssertTrue(try eventually(timeout: 15) {
            fromA = try search(configA)
            return hosts(fromA, "from-a") == ["bastion-a"] && hosts(fromA, "from-b") == ["bastion-b"]
        }, "search from A: \(fromA)")
        let fromB = try search(configB)
        XCTAssertEqual(hosts(fromB, "from-a"), ["bastion-a"])
        XCTAssertEqual(hosts(fromB, "from-b"), ["bastion-b"])

        // A session of A, played from B's side.
        let sid = try XCTUnwrap(fromA.first { ($0["db_query"] as? String)?.contains("from-a") == true }?["sid"] as? String)
        let play = try Subprocess.run(KillNineTests.binary, ["play", sid, "--config", configB])
        XCTAssertEqual(play.status, 0, play.combined)
        let played = (try? JSONSerialization.jsonObject(with: Data(play.stdout.utf8)) as? [[String: Any]]) ?? []
        XCTAssertEqual(played.first?["event"] as? String, "db.session.start")
        XCTAssertTrue(played.contains { ($0["db_query"] as? String)?.contains("from-a") == true })
        XCTAssertEqual(Set(played.compactMap { $0["postern_host"] as? String }), ["bastion-a"])

        // audit tail on A; B's statements show there.
        let tail = try Subprocess(KillNineTests.binary, ["audit", "tail", "--config", configA, "--format", "json",
                                                         "--type", "db.session.query"])
        defer { tail.signal(SIGTERM); _ = tail.wait(timeout: 10) }
        var probe = 0
        XCTAssertTrue(try eventually(timeout: 20) {
            probe += 1
            try psql(tunnelB, "select 'probe-\(probe)'")
            return tail.stdoutSoFar.contains("probe-")
        }, "the tail never showed B's statements: \(tail.stdoutSoFar)")
        let sent = Date()
        try psql(tunnelB, "select 'timed-from-b'")
        XCTAssertTrue(eventually(timeout: 5) { tail.stdoutSoFar.contains("timed-from-b") })
        let latency = Date().timeIntervalSince(sent)
        XCTAssertLessThan(latency, 1.0, "B's statement reached A's tail after \(latency) s")
        let line = tail.stdoutSoFar.split(separator: "\n").first { $0.contains("timed-from-b") }.map(String.init) ?? ""
        XCTAssertTrue(line.contains("\"postern_host\":\"bastion-b\""), line)

        // Status: nothing waits on either side once shipped.
        XCTAssertTrue(try eventually(timeout: 10) {
            let s = try Subprocess.run(KillNineTests.binary, ["audit", "status", "--config", configB])
            return s.status == 0 && s.stdout.contains("shipped: nothing waits")
        })
    }
}

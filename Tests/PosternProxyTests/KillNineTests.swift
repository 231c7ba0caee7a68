import Foundation
import PosternTestSupport
import PosternAudit
import PosternCore
import XCTest

/// `kill -9` of a `postern proxy db` process in the middle of a pgbench run loses no statement
/// event: every row the server inserted came from a statement whose event is in the store.
final class KillNineTests: XCTestCase {
    static let database = "postern_proxy_test"

    func testKillNineDuringPgbenchLosesNoForwardedStatement() throws {
        let h = try ProxyHarness()
        if try h.adminPSQL(["-c", "select 1 from pg_database where datname = '\(Self.database)'"]).stdout != "1\n" {
            _ = try h.adminPSQL(["-c", "create database \(Self.database)"])
        }
        let table = try h.adminPSQL(["-c", "drop table if exists proxy_kill_test",
                                     "-c", "create table proxy_kill_test(id bigint primary key, client int)"],
                                    database: Self.database)
        XCTAssertEqual(table.status, 0, table.stderr)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("audit.sqlite").path
        let config = dir.appendingPathComponent("postern.yaml").path
        try """
            cluster_name: kill-test
            users:
              - name: \(Self.login())
                roles: [access]
                traits: {db_users: [\(h.admin.user)], db_names: [\(Self.database)]}
            databases:
            \(try ServiceDatabaseYAML.postgres(h.env, name: "killdb", passwordKey: "POSTERN_TEST_PG_ADMIN_PASSWORD_FILE"))
            audit: {backend: sqlite, path: \(store)}

            """.write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o600)

        let (proxy, tunnel) = try Self.startTunnel(config: config, dbUser: h.admin.user)
        let script = dir.appendingPathComponent("insert.sql").path
        try "\\set id random(1, 9000000000000)\ninsert into proxy_kill_test(id, client) values (:id, :client_id) on conflict do nothing;\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let pgbench = try Subprocess("pgbench", ["-n", "-c", "4", "-j", "2", "-T", "60", "-f", script, tunnel.conninfo],
                                     environment: ["PGPASSWORD": tunnel.password])
        let busy = try eventually(timeout: 30) { try rows(h).count >= 500 }
        XCTAssertTrue(busy, "pgbench did not get going through the tunnel")
        proxy.signal(SIGKILL)
        _ = proxy.wait(timeout: 10)
        let bench = pgbench.wait(timeout: 30)
        XCTAssertFalse(bench.timedOut, "pgbench hung after the proxy died")

        // Restart on the same store (it must open after a kill), then read what it holds.
        let (again, second) = try Self.startTunnel(config: config, dbUser: h.admin.user)
        let check = try Subprocess.run("psql", [second.conninfo, "-X", "-At", "-c", "select 1"],
                                       environment: ["PGPASSWORD": second.password])
        XCTAssertEqual(check.stdout, "1\n", check.combined)
        again.signal(SIGTERM)
        XCTAssertFalse(again.wait(timeout: 15).timedOut, "the tunnel did not stop on SIGTERM")

        let inserted = try rows(h)
        let audit = try AuditStore(backend: .sqlite, path: store)
        defer { try? audit.close() }
        let all = try audit.search(AuditSearch(limit: 10_000_000))
        XCTAssertEqual(Set(all.map(\.id)).count, all.count, "an event was stored twice")
        let report = try audit.verify()
        XCTAssertTrue(report.intact, "\(report.problems)")
        let queries = try audit.search(AuditSearch(types: [.query], limit: 10_000_000)).compactMap { event -> String? in
            guard case .query(let q) = event.details else { return nil }
            return q.query
        }
        let audited = Set(queries.compactMap { q -> Int64? in
            guard let open = q.range(of: "values ("), let comma = q[open.upperBound...].firstIndex(of: ",") else { return nil }
            return Int64(q[open.upperBound..<comma])
        })
        let missing = inserted.filter { !audited.contains($0) }
        XCTAssertGreaterThanOrEqual(inserted.count, 500)
        XCTAssertEqual(missing, [], "\(missing.count) of \(inserted.count) rows came from statements with no audit event")
        XCTAssertGreaterThanOrEqual(audited.count, inserted.count)
    }

    struct Tunnel {
        let port: Int
        let password: String
        let user: String
        var conninfo: String {
            "host=127.0.0.1 port=\(port) user=\(user) dbname=\(KillNineTests.database) connect_timeout=10"
        }
    }

    static func startTunnel(config: String, dbUser: String, environment: [String: String] = [:]) throws -> (Subprocess, Tunnel) {
        let proxy = try Subprocess(Self.binary, ["proxy", "db", "killdb", "--db-user", dbUser, "--db-name", Self.database,
                                                  "--port", "0", "--format", "json", "--config", config], environment: environment)
        var line: [String: Any]?
        _ = eventually(timeout: 30) {
            guard let first = proxy.stdoutSoFar.split(separator: "\n").first else { return false }
            line = try? JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
            return line != nil
        }
        guard let line, let port = line["port"] as? Int, let password = line["password"] as? String else {
            throw HarnessError("the tunnel did not print its JSON line: \(proxy.wait(timeout: 1).combined)")
        }
        XCTAssertEqual(Set(line.keys), ["host", "port", "user", "database", "password"])
        return (proxy, Tunnel(port: port, password: password, user: dbUser))
    }

    private func rows(_ h: ProxyHarness) throws -> [Int64] {
        try h.adminPSQL(["-c", "select id from proxy_kill_test"], database: Self.database)
            .stdout.split(separator: "\n").compactMap { Int64($0) }
    }

    static var binary: String {
        var dir = Bundle.main.bundleURL
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            dir = bundle.bundleURL.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("postern").path
    }

    static func login() -> String {
        guard let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name else { return "root" }
        return String(cString: name)
    }
}

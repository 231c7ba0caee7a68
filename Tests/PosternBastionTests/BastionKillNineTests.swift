import Foundation
import PosternTestSupport
import XCTest

/// `kill -9` of the bastion service in the middle of a pgbench run through an operator's tunnel
/// loses no acknowledged statement: every row the server inserted came from a statement whose
/// event the restarted service can show.
final class BastionKillNineTests: XCTestCase {
    func testKillNineOfTheServiceLosesNoAcknowledgedStatement() throws {
        let b = try BastionFixture()
        defer { b.cleanUp() }
        let database = try b.env.string("POSTERN_TEST_PG_DATABASE")
        let table = "bastion_kill_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try adminPSQL(b, ["-c", "create table \(table)(id bigint primary key)", "-c", "grant insert, select on \(table) to alice"])
        XCTAssertEqual(admin.status, 0, admin.combined)
        defer { _ = try? adminPSQL(b, ["-c", "drop table if exists \(table)"]) }

        let tunnel = try b.start(as: "alice", [b.binary, "proxy", "db", "pg", "--db-user", "alice", "--db-name", database,
                                               "--format", "json"])
        defer { tunnel.signal(SIGTERM); _ = tunnel.wait(timeout: 20) }
        let host = try XCTUnwrap(try BastionFixture.waitForBanner(tunnel)["host"] as? String)
        let script = b.root + "/insert.sql"
        try "\\set id random(1, 9000000000000)\ninsert into \(table)(id) values (:id) on conflict do nothing;\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o644)
        let pgbench = try b.start(as: "alice", ["pgbench", "-n", "-c", "4", "-j", "2", "-T", "60", "-f", script,
                                                "host=\(host) port=5432 user=alice dbname=\(database)"])
        XCTAssertTrue(try eventually(timeout: 30) { try rows(b, table).count >= 500 }, "pgbench did not get going: \(pgbench.stderrSoFar)")
        let pid = try XCTUnwrap(b.servicePID)
        kill(pid, SIGKILL)
        let bench = pgbench.wait(timeout: 30)
        XCTAssertFalse(bench.timedOut, "pgbench hung after the service died")
        b.stop()
        try b.startService()

        let inserted = try rows(b, table)
        var audited = Set<Int64>()
        XCTAssertTrue(try eventually(timeout: 30) {
            let events = try b.auditEvents(as: "alice", ["--type", "db.session.query"])
            audited = Set(events.compactMap { e -> Int64? in
                guard let q = e["db_query"] as? String, q.contains(table), let open = q.range(of: "values ("),
                      let close = q[open.upperBound...].firstIndex(of: ")") else { return nil }
                return Int64(q[open.upperBound..<close])
            })
            return inserted.allSatisfy(audited.contains)
        })
        let missing = inserted.filter { !audited.contains($0) }
        XCTAssertGreaterThanOrEqual(inserted.count, 500)
        XCTAssertEqual(missing, [], "\(missing.count) of \(inserted.count) rows came from statements with no audit event")
    }

    private func adminPSQL(_ b: BastionFixture, _ args: [String]) throws -> SubprocessResult {
        let conninfo = "host=\(try b.env.string("POSTERN_TEST_PG_HOST")) port=\(try b.env.string("POSTERN_TEST_PG_PORT")) "
            + "user=\(try b.env.string("POSTERN_TEST_PG_ADMIN_USER")) dbname=\(try b.env.string("POSTERN_TEST_PG_DATABASE")) "
            + "sslmode=verify-full sslrootcert=\(try b.env.string("POSTERN_TEST_PG_CA"))"
        return try Subprocess.run("psql", [conninfo, "-X", "-At", "-v", "ON_ERROR_STOP=1"] + args,
                                  environment: ["PGPASSWORD": try b.env.secret("POSTERN_TEST_PG_ADMIN_PASSWORD_FILE")])
    }

    private func rows(_ b: BastionFixture, _ table: String) throws -> [Int64] {
        try adminPSQL(b, ["-c", "select id from \(table)"]).stdout.split(separator: "\n").compactMap { Int64($0) }
    }
}

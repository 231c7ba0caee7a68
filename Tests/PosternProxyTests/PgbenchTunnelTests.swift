import Foundation
import PosternTestSupport
import PosternCore
import XCTest
@testable import PosternProxy

/// pgbench through a tunnel does what it does directly (same transactions, same rows written),
/// in the simple and the prepared protocol; and the extended protocol's events, field by field.
final class PgbenchTunnelTests: XCTestCase {
    static let database = "postern_proxy_test"

    /// A database of our own with pgbench's tables (scale 1), made once.
    private func prepare(_ h: ProxyHarness) throws {
        let exists = try h.adminPSQL(["-c", "select 1 from pg_database where datname = '\(Self.database)'"])
        if exists.stdout != "1\n" {
            let made = try h.adminPSQL(["-c", "create database \(Self.database)"])
            XCTAssertEqual(made.status, 0, made.stderr)
        }
        let tables = try h.adminPSQL(["-c", "select count(*) from pg_tables where tablename = 'pgbench_accounts'"],
                                     database: Self.database)
        if tables.stdout != "1\n" {
            let initialized = try Subprocess.run("pgbench", ["-i", "-q", "-s", "1", h.admin.conninfo(database: Self.database)],
                                                 environment: ["PGPASSWORD": h.admin.password], timeout: 120)
            XCTAssertEqual(initialized.status, 0, initialized.combined)
        }
    }

    private func historyRows(_ h: ProxyHarness) throws -> Int {
        Int(try h.adminPSQL(["-c", "select count(*) from pgbench_history"], database: Self.database)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    private func processed(_ output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("number of transactions actually processed") }.map(String.init)
    }

    func testPgbenchSimpleAndPreparedMatchDirect() async throws {
        let h = try ProxyHarness()
        try prepare(h)
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: Self.database)
        for mode in ["simple", "prepared"] {
            let args = ["-n", "-M", mode, "-c", "2", "-j", "1", "-t", "50"]
            let before = try historyRows(h)
            let direct = try Subprocess.run("pgbench", args + [h.admin.conninfo(database: Self.database)],
                                            environment: ["PGPASSWORD": h.admin.password], timeout: 120)
            XCTAssertEqual(direct.status, 0, direct.combined)
            let afterDirect = try historyRows(h)
            let proxied = try Subprocess.run("pgbench", args + [t.conninfo()], environment: t.environment, timeout: 120)
            XCTAssertEqual(proxied.status, 0, proxied.combined)
            let afterProxied = try historyRows(h)
            XCTAssertEqual(processed(proxied.stdout), "number of transactions actually processed: 100/100", proxied.combined)
            XCTAssertEqual(processed(direct.stdout), processed(proxied.stdout))
            XCTAssertEqual(afterDirect - before, 100, "\(mode): direct run wrote \(afterDirect - before) rows")
            XCTAssertEqual(afterProxied - afterDirect, 100, "\(mode): proxied run wrote \(afterProxied - afterDirect) rows")
        }
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: 4))
        await h.shutdown()
        // Every statement the tunnel ran is audited with its outcome: 7 statements a transaction
        // (pgbench's own set-up queries on its first connection come on top).
        let kinds = h.sink.all.map(\.1.kind)
        let executes = kinds.filter { if case .statement(.postgresExecute) = $0 { return true } else { return false } }.count
        let queries = kinds.filter { if case .query = $0 { return true } else { return false } }.count
        let results = kinds.compactMap { k -> StatementResult? in if case .result(let r) = k { return r } else { return nil } }
        XCTAssertGreaterThanOrEqual(queries, 100 * 7)
        XCTAssertGreaterThanOrEqual(executes, 100 * 7)
        XCTAssertEqual(results.count, queries + executes)
        XCTAssertTrue(results.allSatisfy { $0.error == nil }, "\(results.filter { $0.error != nil })")
    }

    func testExtendedProtocolEventsFieldByField() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-ext-\(UUID().uuidString).sql").path
        try "\\set v 7\nselect :v::int + 1 as w, 'text' as t;\n".write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let r = try Subprocess.run("pgbench", ["-n", "-M", "extended", "-t", "1", "-f", script, t.conninfo()],
                                   environment: t.environment, timeout: 60)
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
        // pgbench's first connection only looks around; the statements run on the client's own.
        let session = h.sink.sessions().first { id in h.sink.events(session: id.id).count > 2 }
        let events = h.sink.events(session: session?.id ?? "")
        guard events.count == 6 else { return XCTFail("\(events.map(\.kind))") }
        XCTAssertEqual(events.map(\.index), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(events[0].kind, .start(error: nil))
        XCTAssertEqual(events[1].kind, .statement(.postgresParse(.init(statementName: "", query: "select $1::int + 1 as w, 'text' as t;"))))
        XCTAssertEqual(events[2].kind, .statement(.postgresBind(.init(statementName: "", portalName: "", parameters: ["7"]))))
        XCTAssertEqual(events[3].kind, .statement(.postgresExecute(.init(portalName: ""))))
        guard case .result(let result) = events[4].kind else { return XCTFail("\(events[4].kind)") }
        XCTAssertEqual(result.statementIndex, 3)
        XCTAssertEqual(result.tag, "SELECT 1")
        XCTAssertEqual(result.rows, 1)
        XCTAssertNil(result.error)
        XCTAssertEqual(events[5].kind, .end)
    }
}

import PosternTestSupport
import Foundation
import PosternCore
import XCTest
@testable import PosternProxy

/// psql through a tunnel against the real TLS PostgreSQL: select, errors, COPY both ways,
/// a million rows, Ctrl-C cancel; and every event of a session, field by field.
final class TunnelPsqlTests: XCTestCase {
    func testSelectAndErrorAreRelayedAndEveryEventIsRecordedInOrder() async throws {
        let h = try ProxyHarness()
        let db = try h.database()
        let t = try await h.tunnel(db, dbUser: h.admin.user, dbName: h.admin.database)
        let r = try h.psql(t, ["-c", "select 42 as answer", "-c", "select 1/0"])
        XCTAssertEqual(r.stdout, "42\n", r.combined)
        XCTAssertTrue(r.stderr.contains("division by zero"), r.combined)
        XCTAssertTrue(h.waitForFinishedSessions(1), "the session end was not recorded")
        await h.shutdown()

        let sessions = h.sink.sessions()
        XCTAssertEqual(sessions.count, 1)
        let info = try XCTUnwrap(sessions.first)
        XCTAssertEqual(info.clusterName, "test-cluster")
        XCTAssertEqual(info.route.user.name, "tester")
        XCTAssertEqual(info.route.database.name, "orders")
        XCTAssertEqual(info.route.dbUser, h.admin.user)
        XCTAssertEqual(info.route.dbName, h.admin.database)
        XCTAssertEqual(info.clientApplication, "psql")
        XCTAssertEqual(UUID(uuidString: info.id)?.uuidString.lowercased(), info.id)

        let events = h.sink.events(session: info.id)
        XCTAssertEqual(events.map(\.index), Array(0..<events.count), "ei counts from 0 without gaps")
        XCTAssertEqual(events.map(\.timeNanos), events.map(\.timeNanos).sorted(), "times never go back")
        guard events.count == 6 else { return XCTFail("expected 6 events, got \(events.map(\.kind))") }
        XCTAssertEqual(events[0].kind, .start(error: nil))
        XCTAssertEqual(events[1].kind, .query("select 42 as answer"))
        guard case .result(let ok) = events[2].kind else { return XCTFail("\(events[2].kind)") }
        XCTAssertEqual(ok.statementIndex, 1)
        XCTAssertEqual(ok.tag, "SELECT 1")
        XCTAssertEqual(ok.rows, 1)
        XCTAssertNil(ok.error)
        XCTAssertNil(ok.sqlState)
        XCTAssertGreaterThan(ok.durationNanos, 0)
        XCTAssertEqual(events[3].kind, .query("select 1/0"))
        guard case .result(let failed) = events[4].kind else { return XCTFail("\(events[4].kind)") }
        XCTAssertEqual(failed.statementIndex, 3)
        XCTAssertEqual(failed.error, "division by zero")
        XCTAssertEqual(failed.sqlState, "22012")
        XCTAssertNil(failed.rows)
        XCTAssertEqual(events[5].kind, .end)
        let password = try env(h).secret("POSTERN_TEST_PG_ADMIN_PASSWORD_FILE")
        XCTAssertFalse("\(h.sink.all)".contains(password), "the upstream password leaked into an event")
        XCTAssertFalse("\(h.sink.all)".contains(t.password), "the tunnel secret leaked into an event")
    }

    func testCopyInAndOutRoundTrip() async throws {
        let h = try ProxyHarness()
        _ = try h.adminPSQL(["-c", "drop table if exists proxy_copy_test", "-c", "create table proxy_copy_test(id int, name text)"])
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.csv").path
        let output = dir.appendingPathComponent("out.csv").path
        let rows = (1...20_000).map { "\($0),name \($0) with, a comma and \"quotes\"" }
        let csv = rows.map { line -> String in
            let parts = line.split(separator: ",", maxSplits: 1)
            return "\(parts[0]),\"\(parts[1].replacingOccurrences(of: "\"", with: "\"\""))\""
        }.joined(separator: "\n") + "\n"
        try csv.write(toFile: input, atomically: true, encoding: .utf8)

        let copyIn = try h.psql(t, ["-c", "\\copy proxy_copy_test from '\(input)' with (format csv)"])
        XCTAssertEqual(copyIn.status, 0, copyIn.combined)
        XCTAssertEqual(copyIn.stdout, "COPY 20000\n", copyIn.combined)
        let copyOut = try h.psql(t, ["-c", "\\copy (select * from proxy_copy_test order by id) to '\(output)' with (format csv)"])
        XCTAssertEqual(copyOut.stdout, "COPY 20000\n", copyOut.combined)
        XCTAssertEqual(try String(contentsOfFile: output, encoding: .utf8), csv)
        XCTAssertTrue(h.waitForFinishedSessions(2))
        await h.shutdown()

        let results = h.sink.all.compactMap { _, e -> StatementResult? in
            if case .result(let r) = e.kind { return r } else { return nil }
        }
        XCTAssertEqual(results.map(\.tag), ["COPY 20000", "COPY 20000"])
        XCTAssertEqual(results.map(\.rows), [20_000, 20_000])
        _ = try h.adminPSQL(["-c", "drop table if exists proxy_copy_test"])
    }

    func testMillionRowResultStreamsThrough() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let r = try h.psql(t, ["-c", "select generate_series(1,1000000)"], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1_000_000)
        XCTAssertEqual(lines.last, "1000000")
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
        let rows = h.sink.all.compactMap { _, e -> Int? in
            if case .result(let r) = e.kind { return r.rows } else { return nil }
        }
        XCTAssertEqual(rows, [1_000_000])
    }

    func testCtrlCCancelsTheRunningStatement() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        // Through python3, which clears the signal mask a test-runner thread may pass on to its
        // children (a blocked SIGINT would never reach psql).
        let unblock = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
            + "signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"
        let psql = try Subprocess("python3", ["-c", unblock, "psql", t.conninfo(), "-X", "-c", "select pg_sleep(30)"],
                                  environment: t.environment)
        let running = try eventually(timeout: 15) {
            try h.adminPSQL(["-c", "select count(*) from pg_stat_activity where query = 'select pg_sleep(30)' and state = 'active'"])
                .stdout == "1\n"
        }
        XCTAssertTrue(running, "the statement never started upstream")
        let sent = Date()
        psql.signal(SIGINT)
        let r = psql.wait(timeout: 15)
        XCTAssertFalse(r.timedOut, "psql did not come back after Ctrl-C")
        XCTAssertLessThan(Date().timeIntervalSince(sent), 10)
        XCTAssertTrue(r.stderr.contains("canceling statement due to user request"), r.combined)
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
        let result = h.sink.all.compactMap { _, e -> StatementResult? in
            if case .result(let r) = e.kind { return r } else { return nil }
        }.first
        XCTAssertEqual(result?.sqlState, "57014")
    }

    private func env(_ h: ProxyHarness) -> ServiceEnvironment { h.env }
}

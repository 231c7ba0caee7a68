import CLibPQ
import Foundation
import PosternCore
import XCTest

/// libpq's COPY FROM STDIN by the extended protocol (PQexecParams, then PQputCopyData and
/// PQputCopyEnd: a Sync after Execute and another after CopyDone, the first ignored by the
/// server) through a tunnel: the COPY and the statement after it each keep their own outcome.
final class PGLibpqCopyTunnelTests: XCTestCase {
    func testExtendedCopyAndTheNextStatementKeepTheirOutcomes() async throws {
        let live = try await StoredSessionHarness()
        let table = "copy_ext_\(UUID().uuidString.prefix(8).lowercased())"
        let made = try live.h.adminPSQL(["-c", "create table \(table) (n int)"])
        XCTAssertEqual(made.status, 0, made.combined)
        defer { _ = try? live.h.adminPSQL(["-c", "drop table if exists \(table)"]) }
        let conninfo = live.tunnel.conninfo() + " password=\(live.tunnel.password)"
        guard let conn = PQconnectdb(conninfo) else { throw HarnessError("libpq is out of memory") }
        var open = true
        defer { if open { PQfinish(conn) } }
        guard PQstatus(conn) == CONNECTION_OK else {
            throw HarnessError("libpq through the tunnel: \(String(cString: PQerrorMessage(conn)))")
        }
        let copy = "copy \(table) from stdin"
        let started = PQexecParams(conn, copy, 0, nil, nil, nil, nil, 0)
        XCTAssertEqual(PQresultStatus(started), PGRES_COPY_IN, String(cString: PQerrorMessage(conn)))
        PQclear(started)
        let rows = Array("1\n2\n".utf8)
        XCTAssertEqual(rows.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) }
        }, 1)
        XCTAssertEqual(PQputCopyEnd(conn, nil), 1)
        let ended = PQgetResult(conn)
        XCTAssertEqual(PQresultStatus(ended), PGRES_COMMAND_OK, String(cString: PQerrorMessage(conn)))
        PQclear(ended)
        PQclear(PQgetResult(conn))
        let next = PQexecParams(conn, "select count(*) from \(table)", 0, nil, nil, nil, nil, 0)
        XCTAssertEqual(PQresultStatus(next), PGRES_TUPLES_OK, String(cString: PQerrorMessage(conn)))
        XCTAssertEqual(String(cString: PQgetvalue(next, 0, 0)), "2")
        PQclear(next)
        PQfinish(conn)
        open = false

        func extended(_ query: String) -> [StoredSessionHarness.Expected] {
            [.event(.postgresParse(.init(statementName: "", query: query))),
             .event(.postgresBind(.init(statementName: "", portalName: "", parameters: []))),
             .event(.postgresExecute(.init(portalName: "")))]
        }
        try live.checkSession([.start] + extended(copy) + [.result(answering: 3, tag: "COPY 2", rows: 2)]
            + extended("select count(*) from \(table)") + [.result(answering: 7, tag: "SELECT 1", rows: 1), .end])
        await live.shutdown()
    }
}

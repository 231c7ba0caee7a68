import Foundation
import PosternCore
import XCTest
@testable import PosternProxy

/// A FunctionCall or Query sent inside an extended batch, live: after a failed Parse, Describe or
/// Execute the server skips it up to the Sync, and the audit must say it was not executed; when it
/// runs, its result is its own. Either way every later result stays with its own statement.
final class PGFailedBatchTunnelTests: XCTestCase {
    typealias PG = RawPGClient

    func testStatementsInAFailedBatchAreNotExecutedAndLaterResultsStayInPlace() async throws {
        let live = try await StoredSessionHarness()
        let c = try PG.ready(live.tunnel)
        let int4pl: UInt32 = 177  // pg_catalog.int4pl, fixed in the catalog since PostgreSQL 7
        let add = PG.functionCall(oid: int4pl, [.text("1"), .text("2")])
        let unknownOID: UInt32 = 4_000_000_000

        // A failed Parse: the FunctionCall after it is skipped.
        let parseFailed = c.exchange([PG.parse("", "selec 1"), add, PG.sync])
        XCTAssertEqual(parseFailed.map(\.tag), ["E", "Z"])
        XCTAssertEqual(parseFailed.first?.fields["C"], "42601")
        // A failed Describe (not audited itself): the same.
        let describeFailed = c.exchange([PG.describeStatement("nope"), add, PG.sync])
        XCTAssertEqual(describeFailed.map(\.tag), ["E", "Z"])
        XCTAssertEqual(describeFailed.first?.fields["C"], "26000")
        // A failed Execute: the error is the Execute's, the FunctionCall after it is skipped.
        // (random() keeps the division from being folded, and failing, at Bind.)
        let executeFailed = c.exchange([PG.parse("", Self.divideByZero), PG.bind(portal: "", statement: "", []),
                                        PG.execute(""), add, PG.sync])
        XCTAssertEqual(executeFailed.map(\.tag), ["1", "2", "E", "Z"])
        XCTAssertEqual(executeFailed.first { $0.tag == "E" }?.fields["C"], "22012")
        // Nothing failed: the FunctionCall runs after the Parse, Describe and Close replies, with a
        // ReadyForQuery of its own before the Sync's.
        let ran = c.exchange([PG.parse("s8", "select 1"), PG.describeStatement("s8"), PG.closePortal("none"),
                              add, PG.sync], readyCount: 2)
        XCTAssertEqual(ran.map(\.tag), ["1", "t", "T", "3", "V", "Z", "Z"])
        XCTAssertEqual(ran.first { $0.tag == "V" }?.functionResult, Array("3".utf8))
        // The FunctionCall's own error, after a Parse and a Close: it ran and failed.
        let ownError = c.exchange([PG.parse("s9", "select 1"), PG.closeStatement("s9"),
                                   PG.functionCall(oid: unknownOID, []), PG.sync], readyCount: 2)
        XCTAssertEqual(ownError.map(\.tag), ["1", "3", "E", "Z", "Z"])
        // A Query after a failed Parse is skipped the same way.
        let querySkipped = c.exchange([PG.parse("", "selec 1"), PG.frame("Q", Array("select 1".utf8) + [0]), PG.sync])
        XCTAssertEqual(querySkipped.map(\.tag), ["E", "Z"])
        let after = c.query("select 2 union select 3")
        XCTAssertEqual(after.map(\.tag), ["T", "D", "D", "C", "Z"])
        c.send(PG.terminate)
        XCTAssertTrue(c.isClosed())

        let skipped = (sqlState: "", message: "not executed: an earlier message of the batch failed")
        let function = StoredSessionHarness.Expected.event(.postgresFunction(.init(functionOID: int4pl, functionArgs: ["1", "2"])))
        let unnamedBind = StoredSessionHarness.Expected.event(.postgresBind(.init(statementName: "", portalName: "",
                                                                                   parameters: [])))
        try live.checkSession([
            .start,
            .event(.postgresParse(.init(statementName: "", query: "selec 1"))), function, .result(answering: 2, failed: skipped),
            function, .result(answering: 4, failed: skipped),
            .event(.postgresParse(.init(statementName: "", query: Self.divideByZero))), unnamedBind,
            .event(.postgresExecute(.init(portalName: ""))), function,
            .result(answering: 8, failed: ("22012", "division by zero")), .result(answering: 9, failed: skipped),
            .event(.postgresParse(.init(statementName: "s8", query: "select 1"))),
            .event(.postgresClose(.init(statementName: "", portalName: "none"))), function, .result(answering: 14),
            .event(.postgresParse(.init(statementName: "s9", query: "select 1"))),
            .event(.postgresClose(.init(statementName: "s9", portalName: ""))),
            .event(.postgresFunction(.init(functionOID: unknownOID, functionArgs: []))),
            .result(answering: 18, failed: ("42883", "function with OID \(unknownOID) does not exist")),
            .event(.postgresParse(.init(statementName: "", query: "selec 1"))), .event(.query(.init(query: "select 1"))),
            .result(answering: 21, failed: skipped),
            .event(.query(.init(query: "select 2 union select 3"))), .result(answering: 23, tag: "SELECT 2", rows: 2),
            .end,
        ])
        await live.shutdown()
    }

    static let divideByZero = "select 1 / (random() * 0)::int"
}

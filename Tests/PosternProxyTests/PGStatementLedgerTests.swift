import NIOCore
import XCTest
@testable import PosternProxy

/// The ledger on its own: which statement each ReadyForQuery and ErrorResponse belongs to when a
/// FunctionCall or Query sits inside an extended batch (the server skips it after a failed
/// extended message, and answers it with a ReadyForQuery of its own when it runs).
final class PGStatementLedgerTests: XCTestCase {
    private func feed(_ ledger: inout PGStatementLedger, _ messages: [(Unicode.Scalar, ByteBuffer)]) -> [StatementResult] {
        var results: [StatementResult] = []
        for (type, body) in messages { ledger.received(UInt8(ascii: type), body: body, now: 10, into: &results) }
        return results
    }

    private func error(_ code: String) -> (Unicode.Scalar, ByteBuffer) {
        var b = ByteBuffer()
        b.writeInteger(UInt8(ascii: "C"))
        b.writeCString(code)
        b.writeInteger(UInt8(ascii: "M"))
        b.writeCString("failed \(code)")
        b.writeInteger(UInt8(0))
        return ("E", b)
    }

    private let ready: (Unicode.Scalar, ByteBuffer) = ("Z", ByteBuffer(bytes: [UInt8(ascii: "I")]))
    private let empty = ByteBuffer()

    private func complete(_ tag: String) -> (Unicode.Scalar, ByteBuffer) {
        var b = ByteBuffer()
        b.writeCString(tag)
        return ("C", b)
    }

    func testFunctionCallAfterAFailedParseIsSkippedAndTheNextQueryKeepsItsResult() {
        var ledger = PGStatementLedger()
        ledger.sentUntracked()  // Parse
        ledger.sent(statement: 1, kind: .function, at: 0)
        ledger.sentSync()
        XCTAssertTrue(ledger.awaitsReplies)
        let skipped = feed(&ledger, [error("42601"), ready])
        XCTAssertEqual(skipped.map(\.statementIndex), [1])
        XCTAssertEqual(skipped.first?.error, "not executed: an earlier message of the batch failed")
        XCTAssertNil(skipped.first?.sqlState)
        XCTAssertTrue(ledger.isEmpty)
        XCTAssertFalse(ledger.awaitsReplies)

        ledger.sent(statement: 2, kind: .simple, at: 0)
        let next = feed(&ledger, [complete("SELECT 1"), ready])
        XCTAssertEqual(next, [StatementResult(statementIndex: 2, tag: "SELECT 1", rows: 1, durationNanos: 10,
                                              error: nil, sqlState: nil)])
    }

    func testFunctionCallAfterAFailedExecuteIsSkipped() {
        var ledger = PGStatementLedger()
        ledger.sent(statement: 1, kind: .execute, at: 0)
        ledger.sent(statement: 2, kind: .function, at: 0)
        ledger.sentSync()
        let results = feed(&ledger, [error("22012"), ready])
        XCTAssertEqual(results.map(\.statementIndex), [1, 2])
        XCTAssertEqual(results.map(\.sqlState), ["22012", nil])
        XCTAssertTrue(ledger.isEmpty)
    }

    func testFunctionCallAfterAnsweredMessagesHasItsOwnOutcome() {
        var ledger = PGStatementLedger()
        for _ in 0..<3 { ledger.sentUntracked() }  // Parse, Describe, Close
        ledger.sent(statement: 1, kind: .function, at: 0)
        ledger.sentSync()
        let failed = feed(&ledger, [("1", empty), ("t", empty), ("T", empty), ("3", empty), error("42883"), ready])
        XCTAssertEqual(failed.map(\.statementIndex), [1])
        XCTAssertEqual(failed.first?.sqlState, "42883")
        XCTAssertFalse(ledger.awaitsReplies)
        XCTAssertEqual(feed(&ledger, [ready]), [], "the Sync's ReadyForQuery finishes nothing")
        XCTAssertTrue(ledger.isEmpty)
    }

    /// A Flush (or a full server buffer) brings the Parse's reply before the Queries after it are
    /// sent: counted then, so the Queries keep their own outcomes.
    func testRepliesThatComeBeforeTheNextQueryAreCounted() {
        var ledger = PGStatementLedger()
        ledger.sentUntracked()  // Parse, then Flush
        XCTAssertTrue(ledger.awaitsReplies)
        XCTAssertEqual(feed(&ledger, [("1", empty)]), [])
        XCTAssertFalse(ledger.awaitsReplies)
        ledger.sent(statement: 1, kind: .simple, at: 0)
        ledger.sent(statement: 2, kind: .simple, at: 0)
        let results = feed(&ledger, [error("22012"), ready, complete("DROP TABLE"), ready])
        XCTAssertEqual(results.map(\.statementIndex), [1, 2])
        XCTAssertEqual(results.map(\.sqlState), ["22012", nil])
        XCTAssertEqual(results.last?.tag, "DROP TABLE")
        XCTAssertNil(results.last?.error)
    }

    /// A failed Bind's error is the Execute's after it, and the batch's Query is skipped.
    func testAFailedBindFailsItsExecuteAndSkipsTheRest() {
        var ledger = PGStatementLedger()
        ledger.sentUntracked()  // Parse
        ledger.sentUntracked()  // Bind
        ledger.sent(statement: 1, kind: .execute, at: 0)
        ledger.sent(statement: 2, kind: .simple, at: 0)
        ledger.sentSync()
        let results = feed(&ledger, [("1", empty), error("08P01"), ready])
        XCTAssertEqual(results.map(\.statementIndex), [1, 2])
        XCTAssertEqual(results.map(\.sqlState), ["08P01", nil])
        XCTAssertEqual(results.last?.error, "not executed: an earlier message of the batch failed")
        XCTAssertTrue(ledger.isEmpty)
        XCTAssertFalse(ledger.awaitsReplies)
    }

    private func copyBatch(_ ledger: inout PGStatementLedger, statement: Int) {
        ledger.sentUntracked()  // Parse
        ledger.sentUntracked()  // Bind
        ledger.sentUntracked()  // Describe
        ledger.sent(statement: statement, kind: .execute, at: 0)
        ledger.sentSync()
    }

    private func selectBatch(_ ledger: inout PGStatementLedger, statement: Int) -> [StatementResult] {
        ledger.sentUntracked()
        ledger.sentUntracked()
        ledger.sent(statement: statement, kind: .execute, at: 0)
        ledger.sentSync()
        return feed(&ledger, [("1", empty), ("2", empty), complete("SELECT 1"), ready])
    }

    /// COPY FROM STDIN by the extended protocol (libpq: a Sync after Execute, another after
    /// CopyDone): the server ignores the Sync sent during the COPY and answers one ReadyForQuery,
    /// and the next batch keeps its own outcome.
    func testExtendedCopyFromStdinAnswersOneReadyForQuery() {
        var ledger = PGStatementLedger()
        copyBatch(&ledger, statement: 1)
        XCTAssertEqual(feed(&ledger, [("1", empty), ("2", empty), ("n", empty), ("G", empty)]), [])
        ledger.sentCopyEnd()
        ledger.sentSync()
        let copied = feed(&ledger, [complete("COPY 2"), ready])
        XCTAssertEqual(copied.map(\.tag), ["COPY 2"])
        XCTAssertEqual(copied.map(\.rows), [2])
        XCTAssertTrue(ledger.isEmpty)
        XCTAssertEqual(selectBatch(&ledger, statement: 2).map(\.tag), ["SELECT 1"])
        XCTAssertTrue(ledger.isEmpty)
        XCTAssertFalse(ledger.awaitsReplies)
    }

    /// The same with everything sent before the server started the COPY.
    func testExtendedCopyEndedBeforeItStartedIsMatchedToo() {
        var ledger = PGStatementLedger()
        copyBatch(&ledger, statement: 1)
        ledger.sentCopyEnd()
        ledger.sentSync()
        let copied = feed(&ledger, [("1", empty), ("2", empty), ("n", empty), ("G", empty), complete("COPY 1"), ready])
        XCTAssertEqual(copied.map(\.tag), ["COPY 1"])
        XCTAssertEqual(selectBatch(&ledger, statement: 2).map(\.tag), ["SELECT 1"])
        XCTAssertTrue(ledger.isEmpty)
    }

    /// CopyFail: the COPY's statement fails with the server's error, and nothing is left over.
    func testExtendedCopyFailFailsItsStatement() {
        var ledger = PGStatementLedger()
        copyBatch(&ledger, statement: 1)
        _ = feed(&ledger, [("1", empty), ("2", empty), ("n", empty), ("G", empty)])
        ledger.sentCopyEnd()  // CopyFail
        ledger.sentSync()
        let failed = feed(&ledger, [error("57014"), ready])
        XCTAssertEqual(failed.map(\.sqlState), ["57014"])
        XCTAssertEqual(selectBatch(&ledger, statement: 2).map(\.tag), ["SELECT 1"])
        XCTAssertTrue(ledger.isEmpty)
    }
}

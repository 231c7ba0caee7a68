import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import PosternCore
import XCTest
@testable import PosternProxy

/// Sessions on one event loop share one commit per loop tick, made on the loop itself.
final class TickCommitTests: XCTestCase {
    final class CountingStore: ImmediateAuditSink {
        let commits = NIOLockedValueBox<[[AuditEvent]]>([])
        let failing: Bool
        init(failing: Bool = false) { self.failing = failing }

        func recordNow(_ events: [AuditEvent]) throws {
            if failing { throw CancellationError() }
            commits.withLockedValue { $0.append(events) }
        }

        func record(_ event: AuditEvent) async throws { XCTFail("the proxy must commit on its loop") }
    }

    /// A store with its own writer (as SQLite's with `synchronous: full`): takes the session's
    /// events, commits later.
    final class WriterStore: ImmediateAuditSink {
        let queued = NIOLockedValueBox<[([AuditEvent], @Sendable ((any Error)?) -> Void)]>([])
        var prefersCallerCommits: Bool { false }

        func recordNow(_ events: [AuditEvent]) throws { XCTFail("a writer store is not committed on the loop") }
        func record(_ events: [AuditEvent], completion: @escaping @Sendable ((any Error)?) -> Void) {
            queued.withLockedValue { $0.append((events, completion)) }
        }
        func record(_ event: AuditEvent) async throws { XCTFail("the relay uses the callback form") }

        func commitAll(_ error: (any Error)? = nil) {
            for (_, done) in queued.withLockedValue({ q in defer { q.removeAll() }; return q }) { done(error) }
        }
    }

    func auditor(_ n: Int, sink: AuditSessionSink, loop: EventLoop) -> SessionAuditor {
        let db = Database(name: "orders", protocol: .postgres, uri: "127.0.0.1:5432")
        let route = Route(user: PosternUser(name: "alice", roles: ["access"]), database: db, dbUser: "reader")
        let info = SessionInfo(id: "0f8fad5b-d9cb-469f-a165-70867728950\(n)", clusterName: "c", route: route)
        return SessionAuditor(info: info, sink: sink, eventLoop: loop)
    }

    func testStatementsOfOneTickShareOneCommitOnTheLoop() throws {
        let loop = EmbeddedEventLoop()
        let store = CountingStore()
        let sink = AuditSessionSink(store)
        let a = auditor(1, sink: sink, loop: loop), b = auditor(2, sink: sink, loop: loop)
        a.append(.query("select 1"))
        b.append(.query("select 2"))
        let fa = a.commit(), fb = b.commit()
        a.append(.query("select 3")) // while a's commit is queued: rides along in the same tick
        XCTAssertEqual(store.commits.withLockedValue { $0.count }, 0, "nothing commits before the tick's tasks run")
        loop.run()
        try fa.wait()
        try fb.wait()
        let commits = store.commits.withLockedValue { $0 }
        XCTAssertEqual(commits.count, 1)
        XCTAssertEqual(commits.first?.compactMap { if case .query(let q) = $0.details { q.query } else { nil } },
                       ["select 1", "select 3", "select 2"])
        XCTAssertFalse(a.hasPending)
    }

    func testAFailedCommitFailsEverySessionOfTheTick() {
        let loop = EmbeddedEventLoop()
        let sink = AuditSessionSink(CountingStore(failing: true))
        let a = auditor(1, sink: sink, loop: loop), b = auditor(2, sink: sink, loop: loop)
        a.append(.query("select 1"))
        b.append(.query("select 2"))
        let fa = a.commit(), fb = b.commit()
        loop.run()
        XCTAssertThrowsError(try fa.wait())
        XCTAssertThrowsError(try fb.wait())
    }

    func testAWriterStoreGetsTheSessionsEventsAndTheStatementWaitsForItsCommit() throws {
        let loop = EmbeddedEventLoop()
        let store = WriterStore()
        let sink = AuditSessionSink(store)
        XCTAssertNil(sink.tickCommitters)
        let a = auditor(1, sink: sink, loop: loop)
        a.append(.query("select 1"))
        let committed = NIOLockedValueBox(false)
        a.commit().whenSuccess { committed.withLockedValue { $0 = true } }
        loop.run()
        XCTAssertFalse(committed.withLockedValue { $0 }, "forwarding waits for the store's commit")
        let batches = store.queued.withLockedValue { $0.map(\.0) }
        XCTAssertEqual(batches.count, 1)
        let json = try XCTUnwrap(batches.first?.first?.jsonString())
        XCTAssertTrue(json.contains("\"sid\":\"0f8fad5b-d9cb-469f-a165-708677289501\""), json)
        XCTAssertTrue(json.contains("\"db_query\":\"select 1\""), json)
        store.commitAll()
        loop.run()
        XCTAssertTrue(committed.withLockedValue { $0 })
        XCTAssertFalse(a.hasPending)
    }

    func testAWriterStoreFailureFailsTheStatement() {
        let loop = EmbeddedEventLoop()
        let store = WriterStore()
        let a = auditor(1, sink: AuditSessionSink(store), loop: loop)
        a.append(.query("select 1"))
        let f = a.commit()
        store.commitAll(CancellationError())
        loop.run()
        XCTAssertThrowsError(try f.wait())
    }
}

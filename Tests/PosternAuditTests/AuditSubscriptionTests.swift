import Foundation
import PosternAudit
import PosternCore
import XCTest

final class AuditSubscriptionTests: XCTestCase {
    /// Collects `count` events from a subscription, failing after `timeout`.
    func collect(_ sub: AuditSubscription, _ count: Int, timeout: Duration = .seconds(20)) async throws -> [AuditEvent] {
        try await withThrowingTaskGroup(of: [AuditEvent]?.self) { group in
            group.addTask {
                var out: [AuditEvent] = []
                for try await e in sub {
                    out.append(e)
                    if out.count == count { break }
                }
                return out
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return try XCTUnwrap(first, "timed out after collecting fewer than \(count) events")
        }
    }

    func testReceivesEventsCommittedAfterSubscribing() async throws {
        try await Fixture.eachBackend { store, _ in
            var s = Fixture.session()
            try await store.record(Fixture.query(&s, "before subscribing"))
            let sub = try store.subscribe()
            let events = (0..<50).map { Fixture.query(&s, "select \($0)") }
            let writer = Task { for e in events { try await store.record(e) } }
            let got = try await collect(sub, 50)
            try await writer.value
            XCTAssertEqual(got, events)
        }
    }

    func testSeesAnotherProcessesEventsSharingTheFile() async throws {
        try await Fixture.eachBackend { store, dir in
            // A second store on the same file has its own writer and no link to the first: as another process.
            let other = try AuditStore(backend: store.backend, path: store.path)
            let sub = try store.subscribe(pollInterval: .milliseconds(50))
            var a = Fixture.session(user: "here"), b = Fixture.session(user: "there")
            var expected: [AuditEvent] = []
            for i in 0..<10 {
                let mine = Fixture.query(&a, "select \(i)"), theirs = Fixture.query(&b, "select \(i)")
                try await other.record(theirs)
                try await store.record(mine)
                expected += [theirs, mine]
            }
            let got = try await collect(sub, 20)
            // Each process's events in its order; how the two interleave is the order the SQLite
            // store indexes them in (journaled first, indexed soon after), not the order of `record`.
            for user in ["here", "there"] {
                XCTAssertEqual(got.filter { $0.user == user }, expected.filter { $0.user == user }, "\(user)'s events in order")
            }
            XCTAssertEqual(Set(got.map(\.id)), Set(expected.map(\.id)))
            if store.backend == .jsonl { XCTAssertEqual(got, expected, "one file: the order of the appends") }
            try other.close()
            _ = dir
        }
    }

    func testASlowReaderLosesNothing() async throws {
        try await Fixture.eachBackend { store, _ in
            let sub = try store.subscribe(pollInterval: .seconds(60)) // no polling: recovery must come from gaps
            var s = Fixture.session()
            let events = (0..<2000).map { Fixture.query(&s, "select \($0)") }
            for e in events { try await store.record(e) } // far more batches than the inbox holds
            var last = Fixture.session()
            let marker = Fixture.query(&last, "last")
            try await store.record(marker)
            let got = try await collect(sub, 2001)
            XCTAssertEqual(got, events + [marker])
        }
    }

    func testEndsWhenTheStoreCloses() async throws {
        let dir = try TempDir()
        let store = try AuditStore(backend: .sqlite, path: dir.file("a.sqlite"))
        let sub = try store.subscribe()
        let reader = Task { () -> Int in
            var n = 0
            for try await _ in sub { n += 1 }
            return n
        }
        var s = Fixture.session()
        try await store.record(Fixture.query(&s, "select 1"))
        try store.close()
        let n = try await reader.value
        XCTAssertEqual(n, 1)
    }
}

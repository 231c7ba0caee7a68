import Foundation
import GRDB
@testable import PosternAudit
import PosternCore
import XCTest

/// Reads over the index chunks: searches that stop early still return the newest matches (ties in
/// time included), store-order paging crosses and splits chunks, and chunk columns that misdescribe
/// their records are named by `audit verify`.
final class AuditChunkReadTests: XCTestCase {
    /// Sessions whose events share times, each batch a chunk per session: the newest `limit` by
    /// (time, store order), whatever the limit.
    func testSearchStopsEarlyYetKeepsTheNewestMatches() throws {
        let dir = try TempDir()
        let store = try AuditStore(backend: .sqlite, path: dir.file("audit.sqlite"))
        defer { try? store.close() }
        var sessions = (0..<3).map { _ in Fixture.session() }
        let t0 = AuditTime.now()
        var written: [AuditEvent] = []
        for batch in 0..<20 {
            var events: [AuditEvent] = []
            for k in sessions.indices {
                // Two sessions share each time; the third is a tick later.
                let time = t0.adding(nanoseconds: Int64(batch * 10 + (k == 2 ? 1 : 0)))
                events.append(Fixture.query(&sessions[k], "select \(batch)", time: time))
            }
            try store.recordNow(try events.map(EncodedAuditEvent.init))
            written += events
        }
        try store.catchUp()
        let all = try store.search(AuditSearch(limit: 1000))
        XCTAssertEqual(all.count, written.count)
        XCTAssertEqual(all.map(\.time), all.map(\.time).sorted(), "oldest first")
        for limit in [1, 2, 3, 4, 7, 30, 59] {
            XCTAssertEqual(try store.search(AuditSearch(limit: limit)), Array(all.suffix(limit)), "limit \(limit)")
        }
        let ofOne = try store.search(AuditSearch(sessionID: sessions[1].sessionID, limit: 5))
        XCTAssertEqual(ofOne.map(\.index), Array(15..<20))
        XCTAssertEqual(try store.search(AuditSearch(types: [.sessionStart])), [])
    }

    /// `events(after:)` pages in store order: from before every chunk, from the middle of one,
    /// across chunk boundaries, one event at a time or many.
    func testStoreOrderPagesAcrossAndWithinChunks() throws {
        let dir = try TempDir()
        let store = try AuditStore(backend: .sqlite, path: dir.file("audit.sqlite"))
        defer { try? store.close() }
        var a = Fixture.session()
        var b = Fixture.session()
        for n in 0..<6 {
            try store.recordNow([try EncodedAuditEvent(Fixture.query(&a, "select \(n)")),
                                 try EncodedAuditEvent(Fixture.query(&b, "select \(n)")),
                                 try EncodedAuditEvent(Fixture.query(&a, "select \(n)"))])
        }
        try store.catchUp()
        let backend = try XCTUnwrap(store.storage as? SQLiteAuditBackend)
        let whole = try backend.events(after: 0, limit: 1000)
        XCTAssertEqual(whole.count, 18)
        XCTAssertEqual(whole.map(\.position), whole.map(\.position).sorted())
        XCTAssertEqual(try backend.lastPosition(), whole.last?.position)
        for page in [1, 2, 5] {
            var cursor: Int64 = 0
            var seen: [StoredAuditEvent] = []
            while true {
                let next = try backend.events(after: cursor, limit: page)
                guard let last = next.last else { break }
                XCTAssertLessThanOrEqual(next.count, page)
                XCTAssertEqual(next.first?.previous, cursor, "a page starts where the last one ended")
                seen += next
                cursor = last.position
            }
            XCTAssertEqual(seen.map(\.position), whole.map(\.position), "page \(page)")
            XCTAssertEqual(seen.map(\.event), whole.map(\.event), "page \(page)")
        }
    }

    /// A chunk's columns are what searches pick it by: changing them (not the lines) is named.
    func testAChunkThatMisdescribesItsRecordsIsNamed() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        let store = try AuditStore(backend: .sqlite, path: path)
        var s = Fixture.session()
        try store.recordNow([try EncodedAuditEvent(s.make(.sessionStart(.init()))), try EncodedAuditEvent(Fixture.query(&s, "select 1"))])
        try store.close()
        XCTAssertTrue(try AuditVerifier.verify(storePath: path).intact)
        for change in ["types = ','", "last_time = 0", "user = 'mallory'", "count = 1"] {
            let q = try DatabaseQueue(path: path)
            let saved = try q.read { db in try Row.fetchOne(db, sql: "SELECT * FROM audit_chunks") }
            try q.write { db in try db.execute(sql: "UPDATE audit_chunks SET \(change)") }
            let report = try AuditVerifier.verify(storePath: path)
            XCTAssertEqual(report.problems.map(\.kind), [.changed], change)
            XCTAssertEqual(report.problems.first?.session, s.sessionID, change)
            XCTAssertTrue(report.problems.first?.detail.contains("misdescribes") == true, "\(change): \(report.problems)")
            let row = try XCTUnwrap(saved)
            try q.write { db in
                try db.execute(sql: "UPDATE audit_chunks SET types = ?, last_time = ?, user = ?, count = ?",
                               arguments: [row["types"], row["last_time"], row["user"], row["count"]])
            }
            try q.close()
            XCTAssertTrue(try AuditVerifier.verify(storePath: path).intact, change)
        }
    }
}

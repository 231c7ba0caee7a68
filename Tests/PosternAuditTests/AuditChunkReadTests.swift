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
            try store.recordNow(events)
            // Indexed batch by batch: a chunk per session and batch, their time ranges overlapping.
            try store.catchUp()
            written += events
        }
        XCTAssertEqual(try chunkCount(store), 60)
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

    /// The newest match may sit in a chunk that ends later than the chunk holding the next one:
    /// A's chunk spans times 10 and 30, B's (indexed after) holds 10 alone.
    func testAnOlderChunkCanHoldTheLimitsLastMatch() throws {
        let dir = try TempDir()
        let store = try AuditStore(backend: .sqlite, path: dir.file("audit.sqlite"))
        defer { try? store.close() }
        var a = Fixture.session()
        var b = Fixture.session()
        let t0 = AuditTime.now()
        let a10 = Fixture.query(&a, "select 'a10'", time: t0.adding(nanoseconds: 10))
        let a30 = Fixture.query(&a, "select 'a30'", time: t0.adding(nanoseconds: 30))
        try store.recordNow([(a10), (a30)])
        try store.catchUp()
        let b10 = Fixture.query(&b, "select 'b10'", time: t0.adding(nanoseconds: 10))
        try store.recordNow([(b10)])
        try store.catchUp()
        XCTAssertEqual(try chunkCount(store), 2)
        // Equal times go in store order: b10 was stored after a10.
        XCTAssertEqual(try store.search(AuditSearch(limit: 2)), [b10, a30])
        XCTAssertEqual(try store.search(AuditSearch(limit: 3)), [a10, b10, a30])
        XCTAssertEqual(try store.search(AuditSearch(limit: 1)), [a30])
    }

    func chunkCount(_ store: AuditStore) throws -> Int {
        let backend = try XCTUnwrap(store.storage as? SQLiteAuditBackend)
        return try backend.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_chunks") ?? 0 }
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
            try store.recordNow([(Fixture.query(&a, "select \(n)")),
                                 (Fixture.query(&b, "select \(n)")),
                                 (Fixture.query(&a, "select \(n)"))])
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
        try store.recordNow([(s.make(.sessionStart(.init()))), (Fixture.query(&s, "select 1"))])
        try store.close()
        XCTAssertTrue(try AuditVerifier.verify(storePath: path).intact)
        for change in ["types = ','", "last_time = 0", "first_time = 0", "first_ei = 1", "last_ei = 0", "user = 'mallory'",
                       "db_service = 'other'", "sid = 'someone-else'", "count = 1", "last_time = 'x'"] {
            let q = try DatabaseQueue(path: path)
            let saved = try q.read { db in try Row.fetchOne(db, sql: "SELECT * FROM audit_chunks") }
            try q.write { db in try db.execute(sql: "UPDATE audit_chunks SET \(change)") }
            let report = try AuditVerifier.verify(storePath: path)
            XCTAssertEqual(report.problems.map(\.kind), [.changed], change)
            XCTAssertEqual(report.problems.first?.session, s.sessionID, change)
            XCTAssertTrue(report.problems.first?.detail.contains("misdescribes") == true, "\(change): \(report.problems)")
            let row = try XCTUnwrap(saved)
            try q.write { db in
                try db.execute(sql: """
                    UPDATE audit_chunks SET types = ?, first_time = ?, last_time = ?, first_ei = ?, last_ei = ?, user = ?,
                      db_service = ?, sid = ?, count = ?
                    """, arguments: [row["types"], row["first_time"], row["last_time"], row["first_ei"], row["last_ei"],
                                      row["user"], row["db_service"], row["sid"], row["count"]])
            }
            try q.close()
            XCTAssertTrue(try AuditVerifier.verify(storePath: path).intact, change)
        }
    }
}

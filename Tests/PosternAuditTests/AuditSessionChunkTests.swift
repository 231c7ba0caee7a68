import Foundation
import GRDB
import PosternAudit
import PosternCore
import XCTest

/// `play` and `search --sid` read a session's chunks (where its rows of each indexed batch lie):
/// every event of an interleaved session, in order, and nothing of the others.
final class AuditSessionChunkTests: AuditConfigTestCase {
    func testInterleavedSessionsPlayWholeFromTheirChunks() throws {
        try fill(sessions: 6, count: 300)
        let store = try AuditStore(backend: .sqlite, path: self.store)
        defer { try? store.close() }
        let q = try DatabaseQueue(path: self.store)
        let (sids, chunks) = try q.read { db in
            (try String.fetchAll(db, sql: "SELECT sid FROM audit_sessions ORDER BY sid"),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_chunks") ?? 0)
        }
        try q.close()
        XCTAssertEqual(sids.count, 6)
        XCTAssertGreaterThanOrEqual(chunks, 6)
        for sid in sids {
            let events = try store.session(sid)
            XCTAssertEqual(events.map(\.index), Array(0..<300), sid)
            XCTAssertTrue(events.allSatisfy { $0.sessionID == sid })
            let newest = try store.search(AuditSearch(sessionID: sid, limit: 10))
            XCTAssertEqual(newest.map(\.index), Array(290..<300), sid)
        }
    }
}

import Foundation
import GRDB
import PosternCore
import XCTest
@testable import PosternAudit

/// A store written by an earlier Postern (schema v1, five indexes) opens, keeps its events, and
/// plays its sessions from the session table the migration fills.
final class AuditStoreMigrationTests: XCTestCase {
    func testVersion1StoreMigratesAndKeepsItsSessions() async throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        var s = Fixture.session()
        let old = [s.make(.sessionStart(.init())), Fixture.query(&s, "select 1"), s.make(.sessionEnd(.init()))]
        try writeVersion1Store(path, events: old)
        let store = try AuditStore(backend: .sqlite, path: path)
        defer { try? store.close() }
        XCTAssertEqual(try store.session(s.sessionID), old)
        var t = Fixture.session()
        let fresh = [t.make(.sessionStart(.init())), Fixture.query(&t, "select 2")]
        try await store.record(contentsOf: fresh)
        XCTAssertEqual(try store.session(t.sessionID), fresh)
        // What `audit play` prints: the stored JSON, old rows and new chunks alike.
        XCTAssertEqual(try store.sessionJSON(s.sessionID), try old.map { try $0.jsonString() })
        XCTAssertEqual(try store.sessionJSON(t.sessionID), try fresh.map { try $0.jsonString() })
        XCTAssertEqual(try store.search(AuditSearch(types: [.query])).map(\.sessionID), [s.sessionID, t.sessionID])
        let indexes = try store.indexNames()
        XCTAssertEqual(indexes, ["audit_events_time"], "only the time index is maintained per event")
        // v5 chains what is written from now on; the old rows are counted as not checkable.
        let report = try store.verify()
        XCTAssertTrue(report.intact, "\(report.problems)")
        XCTAssertEqual(report.unchained, old.count)
        XCTAssertEqual(report.records, fresh.count)
    }

    /// The session table bounds each ended session's rows, for stores migrated and new alike.
    func testEndedSessionsRecordTheirLastRow() async throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        var old = Fixture.session()
        let before = [old.make(.sessionStart(.init())), Fixture.query(&old, "select 1")]
        try writeVersion1Store(path, events: before)
        let store = try AuditStore(backend: .sqlite, path: path)
        defer { try? store.close() }
        var s = Fixture.session()
        var other = Fixture.session()
        try store.recordNow([s.make(.sessionStart(.init())), other.make(.sessionStart(.init()))])
        try store.recordNow([Fixture.query(&s, "select 2"), Fixture.query(&other, "select 3")])
        try store.recordNow([s.make(.sessionEnd(.init())), Fixture.query(&other, "select 4")])
        let ranges = try store.sessionRows()
        XCTAssertEqual(ranges[old.sessionID]?.last, 2, "the migration bounds sessions already stored")
        // Sessions since store v7 are bounded by positions in the index chunks.
        let first = try XCTUnwrap(ranges[s.sessionID]?.first)
        XCTAssertGreaterThan(first, AuditChunks.base)
        XCTAssertGreaterThan(try XCTUnwrap(ranges[s.sessionID]?.last), first, "the end event's position")
        XCTAssertEqual(ranges[other.sessionID]?.last, nil, "still open: no bound")
        XCTAssertEqual(try store.session(s.sessionID).map(\.index), [0, 1, 2])
        XCTAssertEqual(try store.session(other.sessionID).map(\.index), [0, 1, 2])
        XCTAssertEqual(try store.search(AuditSearch(sessionID: s.sessionID)).count, 3)
        // A session that goes on after the migration is read from old rows and chunks, in `ei` order.
        let after = Fixture.query(&old, "select 5")
        try store.recordNow([after])
        XCTAssertEqual(try store.sessionJSON(old.sessionID), try (before + [after]).map { try $0.jsonString() })
    }

    /// A store as schema v1 left it (sync: in an async test GRDB's async overloads would be picked).
    private func writeVersion1Store(_ path: String, events old: [AuditEvent]) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1');
                CREATE TABLE audit_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, event TEXT NOT NULL,
                    code TEXT NOT NULL, user TEXT NOT NULL, db_service TEXT NOT NULL, sid TEXT NOT NULL,
                    ei INTEGER NOT NULL, uid TEXT NOT NULL, json TEXT NOT NULL);
                CREATE INDEX audit_events_time ON audit_events(time);
                CREATE INDEX audit_events_event ON audit_events(event, time);
                CREATE INDEX audit_events_user ON audit_events(user, time);
                CREATE INDEX audit_events_db ON audit_events(db_service, time);
                CREATE INDEX audit_events_sid ON audit_events(sid, ei);
                """)
            for e in old {
                try db.execute(sql: """
                    INSERT INTO audit_events (time, event, code, user, db_service, sid, ei, uid, json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                    e.time.nanoseconds, e.type.rawValue, e.code, e.user, e.database.service, e.sessionID,
                    e.index, e.id, try e.jsonString()])
            }
        }
        try queue.close()
    }

    func testRecordNowCommitsOnTheCallersThreadAndFeedsSubscribers() async throws {
        let dir = try TempDir()
        let store = try AuditStore(backend: .sqlite, path: dir.file("audit.sqlite"))
        defer { try? store.close() }
        let subscription = try store.subscribe()
        var s = Fixture.session()
        let events = [s.make(.sessionStart(.init())), Fixture.query(&s, "select 1")]
        try store.recordNow(events)
        XCTAssertEqual(try store.session(s.sessionID), events)
        var seen: [AuditEvent] = []
        for try await e in subscription {
            seen.append(e)
            if seen.count == events.count { break }
        }
        XCTAssertEqual(seen, events)
    }
}

extension AuditStore {
    /// The SQLite store's session table: sid → (first row, last row).
    func sessionRows() throws -> [String: (first: Int64, last: Int64?)] {
        guard let sqlite = storage as? SQLiteAuditBackend else { return [:] }
        try catchUp()
        return try sqlite.pool.read { db in
            var out: [String: (first: Int64, last: Int64?)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT sid, first_id, last_id FROM audit_sessions") {
                out[row["sid"]] = (row["first_id"], row["last_id"])
            }
            return out
        }
    }

    /// The SQLite store's index names (a test's view of what each insert maintains).
    func indexNames() throws -> [String] {
        guard let sqlite = storage as? SQLiteAuditBackend else { return [] }
        return try sqlite.pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events'
                AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name
                """)
        }
    }
}

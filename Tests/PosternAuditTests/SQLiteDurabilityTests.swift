import GRDB
@testable import PosternAudit
import PosternCore
import XCTest

final class SQLiteDurabilityTests: XCTestCase {
    /// `synchronous` is per connection, and GRDB's pool sets NORMAL on its own: check the writer's.
    func testWriterConnectionUsesTheConfiguredSynchronousMode() throws {
        for (mode, expected) in [(AuditConfig.Synchronous.normal, 1), (.full, 2)] {
            let dir = try TempDir()
            let backend = try SQLiteAuditBackend(path: dir.file("a.sqlite"), synchronous: mode)
            let value = try backend.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            XCTAssertEqual(value, expected, "\(mode)")
            let journal = try backend.pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            XCTAssertEqual(journal, "wal")
            try backend.close()
        }
    }
}

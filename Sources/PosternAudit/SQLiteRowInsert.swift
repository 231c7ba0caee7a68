import GRDB
import GRDBSQLite

/// `INSERT INTO audit_events` bound straight through SQLite's C API: the index inserts every
/// audited event, and building GRDB's argument arrays (an existential and a copy per column) cost
/// more than SQLite's own work for the row.
struct SQLiteRowInsert {
    let statement: Statement
    let db: GRDB.Database

    init(_ statement: Statement, _ db: GRDB.Database) {
        self.statement = statement
        self.db = db
    }

    /// Inserts the row; returns its rowid.
    func run(_ row: AuditIndexRow) throws -> Int64 {
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, row.time)
        for (column, text) in [(Int32(2), row.event), (3, row.code), (4, row.user), (5, row.dbService), (6, row.sessionID)] {
            bind(text, column)
        }
        sqlite3_bind_int64(s, 7, row.index)
        bind(row.uid, 8)
        bind(row.json, 9)
        if let chain = row.chain {
            let bytes = chain.stored
            bytes.withUnsafeBytes { sqlite3_bind_blob(s, 10, $0.baseAddress, Int32($0.count), Self.transient) }
        } else {
            sqlite3_bind_null(s, 10)
        }
        let rc = sqlite3_step(s)
        sqlite3_reset(s)
        guard rc == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        return db.lastInsertedRowID
    }

    /// Bound as a copy (SQLITE_TRANSIENT); an empty string stays "" (a nil pointer would bind NULL).
    private func bind(_ text: String, _ column: Int32) {
        var text = text
        text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    sqlite3_bind_text(statement.sqliteStatement, column, base, Int32(chars.count), Self.transient)
                } else {
                    sqlite3_bind_text(statement.sqliteStatement, column, "", 0, Self.transient)
                }
            }
        }
    }

    private static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }
}

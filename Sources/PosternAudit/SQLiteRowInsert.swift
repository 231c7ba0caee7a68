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
        sqlite3_bind_int64(s, 7, row.index)
        // SQLITE_STATIC: the bytes stay valid until the step inside the innermost closure returns,
        // and the bindings are cleared before leaving.
        let rc = Self.text(row.event) { event in
            Self.text(row.code) { code in
                Self.text(row.user) { user in
                    Self.text(row.dbService) { service in
                        Self.text(row.sessionID) { sid in
                            Self.text(row.uid) { uid in
                                Self.text(row.json) { json in
                                    for (column, text) in [(2, event), (3, code), (4, user), (5, service), (6, sid), (8, uid), (9, json)] {
                                        if let base = text.base, text.count > 0 {
                                            sqlite3_bind_text(s, Int32(column), base, text.count, nil)
                                        } else {
                                            sqlite3_bind_text(s, Int32(column), "", 0, Self.transient) // not NULL
                                        }
                                    }
                                    let rc = sqlite3_step(s)
                                    sqlite3_reset(s)
                                    sqlite3_clear_bindings(s)
                                    return rc
                                }
                            }
                        }
                    }
                }
            }
        }
        guard rc == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        return db.lastInsertedRowID
    }

    private static func text<R>(_ string: String, _ body: ((base: UnsafePointer<CChar>?, count: Int32)) -> R) -> R {
        var copy = string
        return copy.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { body(($0.baseAddress, Int32($0.count))) }
        }
    }

    /// SQLITE_TRANSIENT: SQLite copies the bytes.
    private static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }
}

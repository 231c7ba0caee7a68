import Foundation
import GRDB
import GRDBSQLite
import PosternCore

/// The index since store v7: a row per session per indexed batch (a chunk), holding that session's
/// journal records (and lines from before v8) verbatim, instead of a row per event. Indexing a batch then costs a few inserts
/// whatever its size (the per-event row, its time-index entry and its copy of the JSON were the
/// index's cost, and it fell behind a pipelined Redis load); searches pick chunks by session, user,
/// database, time range and event types, and decode their records. Rows from before v7 stay in
/// `audit_events`, read as before.
///
/// An event's position (the store order tail and subscriptions follow) is `base + chunk id << 16 +
/// its number among the chunk's events`: above every older rowid, in chunk order.
enum AuditChunks {
    static let base: Int64 = 1 << 40
    /// Events per chunk, below the 16 bits of event number a position has.
    static let maxLines = 4096
    /// Bytes per chunk (a line may be longer alone: a statement's text is not cut).
    static let maxBytes = 4 << 20

    static let schema = """
        CREATE TABLE audit_chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sid TEXT NOT NULL, user TEXT NOT NULL, db_service TEXT NOT NULL,
            first_time INTEGER NOT NULL, last_time INTEGER NOT NULL,  -- nanoseconds since the epoch, UTC
            first_ei INTEGER NOT NULL, last_ei INTEGER NOT NULL,
            types TEXT NOT NULL,     -- ',' + each event type in it + ','
            count INTEGER NOT NULL,
            lines BLOB NOT NULL      -- journal records (AuditRecordLine) or older lines, each ended by a newline
        );
        CREATE INDEX audit_chunks_time ON audit_chunks(last_time);
        CREATE INDEX audit_chunks_sid ON audit_chunks(sid, last_time);
        CREATE INDEX audit_chunks_user ON audit_chunks(user, last_time);
        """

    static let insertSQL = """
        INSERT INTO audit_chunks (sid, user, db_service, first_time, last_time, first_ei, last_ei, types, count, lines)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func position(chunk id: Int64, line: Int) -> Int64 { base + id << 16 + Int64(line) }
    static func chunkID(of position: Int64) -> Int64 { (position - base) >> 16 }

    /// One session's lines of a batch, as they are gathered.
    struct Builder {
        let sid: String
        let user: String
        let dbService: String
        var firstTime = Int64.max
        var lastTime = Int64.min
        var firstEI = Int64.max
        var lastEI = Int64.min
        var types: Set<String> = []
        private var lastType = ""
        var count = 0
        /// Records of more than one session, user or database (never written so).
        var mixed = false
        var lines: [UInt8] = []
        /// Where each record's events sit in the batch (to hand back their positions).
        var runs: [Range<Int>] = []

        init(_ entry: AuditIndexEntry) {
            sid = entry.sessionID
            user = entry.user
            dbService = entry.dbService
        }

        /// For the verifier, which rebuilds a chunk's columns from its rows.
        init(_ row: AuditIndexRow) {
            sid = row.sessionID
            user = row.user
            dbService = row.dbService
        }

        /// A record (whole: a chunk never splits one), or a line of the older kind.
        func accepts(_ entry: AuditIndexEntry) -> Bool {
            entry.user == user && entry.dbService == dbService && count + entry.count <= AuditChunks.maxLines
                && lines.count + entry.line.count + 1 <= AuditChunks.maxBytes
        }

        /// A record's line and columns; its events are the batch's `first` and those after it.
        mutating func add(_ entry: AuditIndexEntry, at first: Int) {
            firstTime = min(firstTime, entry.firstTime)
            lastTime = max(lastTime, entry.lastTime)
            firstEI = min(firstEI, entry.firstIndex)
            lastEI = max(lastEI, entry.lastIndex)
            for type in entry.types where type != lastType {
                types.insert(type)
                lastType = type
            }
            count += entry.count
            if entry.mixed || entry.sessionID != sid || entry.user != user || entry.dbService != dbService { mixed = true }
            runs.append(first..<(first + entry.count))
            lines += entry.line
            lines.append(10)
        }

        /// Takes the row into the chunk's columns.
        mutating func describe(_ row: AuditIndexRow) {
            firstTime = min(firstTime, row.time)
            lastTime = max(lastTime, row.time)
            firstEI = min(firstEI, row.index)
            lastEI = max(lastEI, row.index)
            // A record's events are mostly of one type: the set is touched when it changes.
            if row.event != lastType {
                types.insert(row.event)
                lastType = row.event
            }
            count += 1
            if row.sessionID != sid || row.user != user || row.dbService != dbService { mixed = true }
        }

        var typesColumn: String { "," + types.sorted().joined(separator: ",") + "," }

        /// Which of a stored chunk's columns differ from what its records say (nil: none).
        func mismatch(_ chunk: Columns) -> String? {
            let rows: [(String, Bool)] = [
                ("sid", chunk.sid == sid), ("user", chunk.user == user), ("db_service", chunk.dbService == dbService),
                ("first_time", chunk.firstTime == firstTime), ("last_time", chunk.lastTime == lastTime),
                ("first_ei", chunk.firstEI == firstEI), ("last_ei", chunk.lastEI == lastEI),
                ("types", chunk.types == typesColumn), ("count", chunk.count == Int64(count)),
            ]
            let wrong = rows.filter { !$0.1 }.map(\.0) + (mixed ? ["records of more than one session"] : [])
            return wrong.isEmpty ? nil : wrong.joined(separator: ", ")
        }
    }

    /// A stored chunk's columns as read, each nil when it holds a value of another type (a tampered
    /// column may hold anything). `types` in the local form, `,a,b,`.
    struct Columns {
        var id: Int64
        var sid: String?
        var user: String?
        var dbService: String?
        var firstTime: Int64?
        var lastTime: Int64?
        var firstEI: Int64?
        var lastEI: Int64?
        var types: String?
        var count: Int64?

        /// From a local row, without trapping.
        init(_ chunk: Row) {
            func text(_ column: String) -> String? { try? chunk.decode(String.self, forColumn: column) }
            func number(_ column: String) -> Int64? { try? chunk.decode(Int64.self, forColumn: column) }
            id = number("id") ?? 0
            sid = text("sid")
            user = text("user")
            dbService = text("db_service")
            firstTime = number("first_time")
            lastTime = number("last_time")
            firstEI = number("first_ei")
            lastEI = number("last_ei")
            types = text("types")
            count = number("count")
        }

        init(id: Int64, sid: String?, user: String?, dbService: String?, firstTime: Int64?, lastTime: Int64?,
             firstEI: Int64?, lastEI: Int64?, types: String?, count: Int64?) {
            self.id = id
            self.sid = sid
            self.user = user
            self.dbService = dbService
            self.firstTime = firstTime
            self.lastTime = lastTime
            self.firstEI = firstEI
            self.lastEI = lastEI
            self.types = types
            self.count = count
        }
    }

    /// Inserts the chunks in order, in the caller's transaction; returns each one's id.
    static func insert(_ chunks: [Builder], _ db: GRDB.Database) throws -> [Int64] {
        let statement = try db.cachedStatement(sql: insertSQL)
        let s = statement.sqliteStatement
        var ids: [Int64] = []
        ids.reserveCapacity(chunks.count)
        for c in chunks {
            sqlite3_reset(s)
            bind(c.sid, 1, s)
            bind(c.user, 2, s)
            bind(c.dbService, 3, s)
            sqlite3_bind_int64(s, 4, c.firstTime)
            sqlite3_bind_int64(s, 5, c.lastTime)
            sqlite3_bind_int64(s, 6, c.firstEI)
            sqlite3_bind_int64(s, 7, c.lastEI)
            bind(c.typesColumn, 8, s)
            sqlite3_bind_int64(s, 9, Int64(c.count))
            _ = c.lines.withUnsafeBytes { sqlite3_bind_blob(s, 10, $0.baseAddress, Int32($0.count), transient) }
            let rc = sqlite3_step(s)
            sqlite3_reset(s)
            guard rc == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            ids.append(db.lastInsertedRowID)
        }
        return ids
    }

    /// The last position stored before a chunk about to be inserted (read in its transaction).
    static func lastPosition(_ db: GRDB.Database) throws -> Int64 {
        if let row = try Row.fetchOne(db, sql: "SELECT id, count FROM audit_chunks ORDER BY id DESC LIMIT 1") {
            return position(chunk: row["id"], line: Int(row["count"] as Int64) - 1)
        }
        return try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM audit_events") ?? 0
    }

    /// A chunk's events: a row for each (a record's events each, a line of the older kind its one;
    /// nil for a line that is neither), with its position and line.
    /// `checking`: records are checked against their hashes (for `audit verify`).
    static func records(id: Int64, lines blob: Data, checking: Bool = false) -> [(position: Int64, row: AuditIndexRow?, line: ArraySlice<UInt8>)] {
        // One copy: rows keep their lines as slices of it.
        let bytes = [UInt8](blob)
        var out: [(Int64, AuditIndexRow?, ArraySlice<UInt8>)] = []
        var start = 0
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            // memchr: a chunk (up to `maxBytes`) is read whole on every search that picks it.
            while start < buffer.count, let hit = memchr(base + start, 10, buffer.count - start) {
                let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                let line = bytes[start..<end]
                if let rows = AuditJournalLine.rows(line, checking: checking) {
                    for row in rows { out.append((position(chunk: id, line: out.count), row, line)) }
                } else {
                    out.append((position(chunk: id, line: out.count), nil, line))
                }
                start = end + 1
            }
        }
        if start < bytes.count { out.append((position(chunk: id, line: out.count), nil, bytes[start...])) }
        return out
    }

    /// A chunk's lines.
    static func lines(of id: Int64, _ db: GRDB.Database) throws -> Data {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT lines FROM audit_chunks WHERE id = ?"), arguments: [id]) ?? Data()
    }

    /// A chunk's events whose rows pass `keep` (checked before a JSON line's event is decoded; a
    /// record's events are decoded with it, in binary); a line that does not decode is an error
    /// naming its position.
    static func events(of id: Int64, _ db: GRDB.Database,
                       where keep: (Int64, AuditIndexRow) -> Bool = { _, _ in true }) throws -> [StoredAuditEvent] {
        try events(of: id, lines: try lines(of: id, db), where: keep)
    }

    /// The same, for a chunk's lines read elsewhere (the shared store's copy).
    static func events(of id: Int64, lines: Data,
                       where keep: (Int64, AuditIndexRow) -> Bool = { _, _ in true }) throws -> [StoredAuditEvent] {
        var out: [StoredAuditEvent] = []
        for (position, row, _) in records(id: id, lines: lines) {
            guard let row else { throw AuditStoreError.corrupt(position: position, reason: "an unreadable line in an index chunk") }
            guard keep(position, row) else { continue }
            out.append(StoredAuditEvent(previous: position - 1, position: position, event: try row.payload.decoded(at: position)))
        }
        return out
    }

    /// The newest `limit` matches in chunks: chunks are read newest-ending first, and the walk
    /// stops at one that ends before the `limit`-th newest match found (none after it can place).
    static func search(_ q: AuditSearch, limit: Int, _ db: GRDB.Database) throws -> [StoredAuditEvent] {
        var conditions: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if let sid = q.sessionID { conditions.append("sid = ?"); args.append(sid) }
        if let user = q.user { conditions.append("user = ?"); args.append(user) }
        if let database = q.database { conditions.append("db_service = ?"); args.append(database) }
        if let since = q.since { conditions.append("last_time >= ?"); args.append(since.nanoseconds) }
        if let until = q.until { conditions.append("first_time < ?"); args.append(until.nanoseconds) }
        if !q.types.isEmpty {
            let names = q.types.map(\.rawValue).sorted()
            conditions.append("(" + names.map { _ in "instr(types, ?) > 0" }.joined(separator: " OR ") + ")")
            args += names.map { "," + $0 + "," }
        }
        // The sort carries ids and times only; each chunk's lines are read as the walk reaches it.
        var sql = "SELECT id, last_time FROM audit_chunks"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY last_time DESC, id DESC"
        var found: [StoredAuditEvent] = []
        // The `limit`-th newest match's time, once there are that many.
        var floor: Int64?
        let chunks = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
        while let chunk = try chunks.next() {
            if let floor, try chunk.decode(Int64.self, forColumn: "last_time") < floor { break }
            // The record's own columns (hashed in its chain) decide; the chunk's only picked it.
            found += try events(of: try chunk.decode(Int64.self, forColumn: "id"), db) { _, row in
                q.matches(time: row.time, type: row.event, user: row.user, database: row.dbService, session: row.sessionID)
            }
            if found.count >= limit {
                found.sort { ($0.event.time.nanoseconds, $0.position) > ($1.event.time.nanoseconds, $1.position) }
                found.removeLast(found.count - limit)
                floor = found.last?.event.time.nanoseconds
            }
        }
        return found
    }

    /// Bound as a copy (SQLITE_TRANSIENT); an empty string stays "" (a nil pointer would bind NULL).
    static func bind(_ text: String, _ column: Int32, _ s: OpaquePointer?) {
        var text = text
        _ = text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    sqlite3_bind_text(s, column, base, Int32(chars.count), transient)
                } else {
                    sqlite3_bind_text(s, column, "", 0, transient)
                }
            }
        }
    }

    static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }
}

import Foundation
import GRDB
import PosternCore

/// The default store's index: SQLite in WAL mode, a row per event with the indexed columns search
/// needs and the full JSON. Several Postern processes may share the file (writes serialize on
/// SQLite's lock; `BEGIN IMMEDIATE` so two writers never deadlock upgrading a read lock).
///
/// Durability comes from the store's journal (`AuditJournal`): an event is acknowledged once its
/// line is written there, and is indexed here afterwards, in large batches. A `kill -9` of Postern
/// cannot take back bytes already in the kernel's page cache, so an acknowledged event is in the
/// journal and the next store to open indexes it. With `synchronous: full` there is no journal: each
/// group commit goes into this file's WAL and is fsynced before it is acknowledged, to survive an OS
/// crash or power loss too, at the price of an fsync per commit.
final class SQLiteAuditBackend: AuditBackend {
    let pool: DatabasePool
    let checkpointer: WALCheckpointer

    static let insertSQL = """
        INSERT INTO audit_events (time, event, code, user, db_service, sid, ei, uid, json, chain)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    /// The lowest row stands: a session's journal segments may be indexed in another order than the
    /// rows were written (a replayed segment, another process's tail).
    static let sessionSQL = """
        INSERT INTO audit_sessions (sid, first_id) VALUES (?, ?)
          ON CONFLICT (sid) DO UPDATE SET first_id = MIN(first_id, excluded.first_id)
        """
    /// A session's last row, noted with the event that ends it (once per session, not per commit).
    static let sessionEndSQL = "UPDATE audit_sessions SET last_id = MAX(COALESCE(last_id, 0), ?) WHERE sid = ?"
    /// A session's chain head: its highest indexed record's hash (once per session and batch), so
    /// `audit verify` sees a cut tail.
    static let sessionHeadSQL = """
        UPDATE audit_sessions SET last_ei = ?1, last_hash = ?2
          WHERE sid = ?3 AND (last_ei IS NULL OR last_ei < ?1)
        """
    /// Where each session's rows of one indexed batch lie (once per session and batch): `play` and
    /// `search --sid` read those ranges instead of every row between a session's first and last,
    /// which on a busy store is most of it.
    static let sessionChunkSQL = "INSERT OR IGNORE INTO audit_session_chunks (sid, first_id, last_id) VALUES (?, ?, ?)"
    /// Links rows written straight here (`synchronous: full`) into their chains.
    let tips: AuditChainTips

    init(path: String, synchronous: AuditConfig.Synchronous, tips: AuditChainTips = AuditChainTips()) throws {
        self.tips = tips
        try AuditFiles.prepare(path)
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.label = "postern-audit"
        let pragma = synchronous == .full ? "FULL" : "NORMAL"
        config.prepareDatabase { db in
            // Checkpoints are WALCheckpointer's; the WAL file is cut back after each full one.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864")
        }
        do {
            (pool, checkpointer) = try AuditFiles.whileOpening(path) {
                let pool = try DatabasePool(path: path, configuration: config)
                // After opening: DatabasePool sets NORMAL itself once prepareDatabase has run.
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(pragma)") }
                try Self.migrator.migrate(pool)
                return (pool, try WALCheckpointer(path: path, configuration: config))
            }
        } catch let error as AuditStoreError {
            throw error
        } catch {
            throw AuditStoreError.cannotOpen(path: path, reason: String(describing: error))
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE audit_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time INTEGER NOT NULL,   -- nanoseconds since the epoch, UTC
                    event TEXT NOT NULL,
                    code TEXT NOT NULL,
                    user TEXT NOT NULL,
                    db_service TEXT NOT NULL,
                    sid TEXT NOT NULL,
                    ei INTEGER NOT NULL,
                    uid TEXT NOT NULL,
                    json TEXT NOT NULL
                );
                CREATE INDEX audit_events_time ON audit_events(time);
                CREATE INDEX audit_events_event ON audit_events(event, time);
                CREATE INDEX audit_events_user ON audit_events(user, time);
                CREATE INDEX audit_events_db ON audit_events(db_service, time);
                CREATE INDEX audit_events_sid ON audit_events(sid, ei);
                """)
        }
        // Each index costs every audited statement an insert, and its commit dirty pages: the
        // label and session indexes take inserts all over their trees. Only the time index stays
        // (its inserts land on the right edge); searches are time-ordered and filter type, user and
        // database while walking it, and `play` scans the session's events from its first rowid,
        // kept in `audit_sessions` (one row per session, written with its first event).
        m.registerMigration("v2-time-index-only") { db in
            try db.execute(sql: """
                DROP INDEX audit_events_event;
                DROP INDEX audit_events_user;
                DROP INDEX audit_events_db;
                CREATE TABLE audit_sessions (sid TEXT PRIMARY KEY, first_id INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO audit_sessions SELECT sid, MIN(id) FROM audit_events GROUP BY sid;
                DROP INDEX audit_events_sid;
                """)
        }
        // `play` of an old session stops at the session's last row instead of reading every row
        // written since its first (millions, on a busy store).
        m.registerMigration("v3-session-last-id") { db in
            try db.execute(sql: """
                ALTER TABLE audit_sessions ADD COLUMN last_id INTEGER;
                UPDATE audit_sessions SET last_id = m.last
                  FROM (SELECT sid, MAX(id) AS last FROM audit_events GROUP BY sid) AS m
                  WHERE m.sid = audit_sessions.sid;
                """)
        }
        // How far each journal segment is indexed (see AuditJournal), moved in the same transaction
        // as the rows it covers.
        m.registerMigration("v4-journal") { db in
            try db.execute(sql: "CREATE TABLE audit_journal (segment TEXT PRIMARY KEY, indexed_to INTEGER NOT NULL) WITHOUT ROWID")
        }
        // Tamper evidence (AuditChain): each row's link, and each session's head. Older rows stay
        // unchained (NULL) and `audit verify` counts them apart; from `audit_chain_start` on, a
        // row without a link has been edited.
        m.registerMigration("v5-chain") { db in
            try db.execute(sql: """
                ALTER TABLE audit_events ADD COLUMN chain BLOB;
                ALTER TABLE audit_sessions ADD COLUMN last_ei INTEGER;
                ALTER TABLE audit_sessions ADD COLUMN last_hash BLOB;
                CREATE TABLE audit_chain_start (first_id INTEGER NOT NULL);
                INSERT INTO audit_chain_start
                  SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'), 0),
                             COALESCE((SELECT MAX(id) FROM audit_events), 0)) + 1;
                """)
        }
        // Existing sessions get one chunk spanning their rows (correct, if not faster than before).
        m.registerMigration("v6-session-chunks") { db in
            try db.execute(sql: """
                CREATE TABLE audit_session_chunks (
                    sid TEXT NOT NULL, first_id INTEGER NOT NULL, last_id INTEGER NOT NULL,
                    PRIMARY KEY (sid, first_id)
                ) WITHOUT ROWID;
                INSERT INTO audit_session_chunks SELECT sid, MIN(id), MAX(id) FROM audit_events GROUP BY sid;
                """)
        }
        return m
    }

    /// Events written straight here (no journal): linked into their chains, which move on only
    /// once the transaction committed.
    func append(_ events: [EncodedAuditEvent]) throws -> [StoredAuditEvent] {
        var rows = events.map(AuditIndexRow.init)
        let moves = tips.link(&rows)
        let stored = try append(events, rows: rows, positions: nil)
        tips.commit(moves)
        return stored
    }

    /// Inserts the events (as `rows`) in one transaction. With journal `positions` (one per event),
    /// events another process already indexed from the journal are skipped, and the segments' marks
    /// move past them.
    func append(_ events: [EncodedAuditEvent], rows: [AuditIndexRow], positions: [AuditJournal.Position]?) throws -> [StoredAuditEvent] {
        guard !rows.isEmpty else { return [] }
        return try pool.writeWithoutTransaction { db in
            var stored: [StoredAuditEvent] = []
            try db.inTransaction(.immediate) {
                let ids = try insert(rows, positions: positions, db)
                stored = zip(ids, events).compactMap { id, e in id.map { StoredAuditEvent(previous: $0 - 1, position: $0, event: e.event) } }
                return .commit
            }
            checkpointer.committed(stored.count)
            return stored
        }
    }

    /// The rows, in a transaction the caller holds; each one's rowid, nil for one skipped.
    func insert(_ rows: [AuditIndexRow], positions: [AuditJournal.Position]?, _ db: GRDB.Database) throws -> [Int64?] {
        var ids: [Int64?] = []
        ids.reserveCapacity(rows.count)
        let insert = SQLiteRowInsert(try db.cachedStatement(sql: Self.insertSQL), db)
        let session = try db.cachedStatement(sql: Self.sessionSQL)
        let sessionEnd = try db.cachedStatement(sql: Self.sessionEndSQL)
        var heads: [String: (index: Int64, hash: [UInt8])] = [:]
        var chunks: [String: (first: Int64, last: Int64)] = [:]
        var marks: [String: (done: Int64, to: Int64)] = [:]
        // A session's first row in each batch is noted (the upsert keeps the lowest): events may be
        // committed out of `ei` order.
        var noted = Set<String>()
        for (i, row) in rows.enumerated() {
            if let at = positions?[i] {
                let done = try marks[at.segment]?.done ?? Self.indexedTo(at.segment, db)
                marks[at.segment] = (done, max(marks[at.segment]?.to ?? done, at.end))
                if at.end <= done {
                    ids.append(nil)
                    continue
                }
            }
            let id = try insert.run(row)
            if noted.insert(row.sessionID).inserted { try session.execute(arguments: [row.sessionID, id]) }
            if row.endsSession { try sessionEnd.execute(arguments: [id, row.sessionID]) }
            chunks[row.sessionID] = (min(chunks[row.sessionID]?.first ?? id, id), id)
            if let chain = row.chain, row.index > heads[row.sessionID]?.index ?? -1 {
                heads[row.sessionID] = (row.index, chain.hash)
            }
            ids.append(id)
        }
        if !chunks.isEmpty {
            let chunk = try db.cachedStatement(sql: Self.sessionChunkSQL)
            for (sid, c) in chunks { try chunk.execute(arguments: [sid, c.first, c.last]) }
        }
        if !heads.isEmpty {
            let head = try db.cachedStatement(sql: Self.sessionHeadSQL)
            for (sid, h) in heads { try head.execute(arguments: [h.index, Data(h.hash), sid]) }
        }
        for (segment, mark) in marks where mark.to > mark.done { try Self.setIndexed(segment, to: mark.to, db) }
        return ids
    }

    func search(_ q: AuditSearch) throws -> [AuditEvent] {
        var conditions: [String] = []
        var args: [any DatabaseValueConvertible] = []
        // A session's search walks its chunks (CROSS JOIN keeps SQLite from starting at the time
        // index instead, which for an old session reads the whole store).
        var sql = "SELECT e.id, e.json FROM audit_events e"
        if let sid = q.sessionID {
            sql = "SELECT e.id, e.json FROM audit_session_chunks c CROSS JOIN audit_events e ON e.id BETWEEN c.first_id AND c.last_id"
            conditions.append("c.sid = ? AND e.sid = ?")
            args += [sid, sid]
        }
        if let since = q.since { conditions.append("e.time >= ?"); args.append(since.nanoseconds) }
        if let until = q.until { conditions.append("e.time < ?"); args.append(until.nanoseconds) }
        if !q.types.isEmpty {
            let names = q.types.map(\.rawValue).sorted()
            conditions.append("e.event IN (" + names.map { _ in "?" }.joined(separator: ", ") + ")")
            args += names
        }
        if let user = q.user { conditions.append("e.user = ?"); args.append(user) }
        if let db = q.database { conditions.append("e.db_service = ?"); args.append(db) }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY e.time DESC, e.id DESC LIMIT ?"
        args.append(max(q.limit, 0))
        return try fetch(sql, StatementArguments(args)).reversed().map(\.event)
    }

    func session(_ sid: String) throws -> [AuditEvent] {
        try fetch("""
            SELECT e.id, e.json FROM audit_session_chunks c CROSS JOIN audit_events e ON e.id BETWEEN c.first_id AND c.last_id
              WHERE c.sid = ? AND e.sid = ? ORDER BY e.ei, e.id
            """, [sid, sid]).map(\.event)
    }

    /// The event after which a session writes nothing more: its end, or a refused start.
    static func endsSession(_ event: AuditEvent) -> Bool {
        switch event.details {
        case .sessionEnd: return true
        case .sessionStart(let start): return !start.status.success
        default: return false
        }
    }

    func events(after cursor: Int64, limit: Int) throws -> [StoredAuditEvent] {
        try fetch("SELECT id, json FROM audit_events WHERE id > ? ORDER BY id LIMIT ?", [cursor, limit])
    }

    func lastPosition() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM audit_events") } ?? 0
    }

    func close() throws {
        try checkpointer.close()
        try pool.close()
    }

    private func fetch(_ sql: String, _ arguments: StatementArguments) throws -> [StoredAuditEvent] {
        let rows = try pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
        return try rows.map { row in
            let id: Int64 = row["id"]
            let json: String = row["json"]
            return StoredAuditEvent(previous: id - 1, position: id, event: try decodeStored(json, at: id))
        }
    }
}

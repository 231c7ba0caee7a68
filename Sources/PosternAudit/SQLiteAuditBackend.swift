import Foundation
import GRDB
import PosternCore

/// The default store's index: SQLite in WAL mode, a row per session per indexed batch holding its
/// journal records (`AuditChunks`; rows per event from before store v7 are still read). Several Postern processes may share the file (writes serialize on
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
                // A store a newer Postern migrated further is not written by this one: its rows
                // would go where the newer one's readers never look.
                if try pool.read({ db in try Self.migrator.hasBeenSuperseded(db) }) {
                    throw AuditStoreError.cannotOpen(path: path, reason: "a newer Postern has upgraded this store; upgrade this one too")
                }
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
        // New events go to chunks (AuditChunks): a row per session per indexed batch. Older rows
        // stay where they are and are read alongside.
        m.registerMigration("v7-chunks") { db in
            try db.execute(sql: AuditChunks.schema)
        }
        // Chunks hold records (`AuditRecordLine`) from here on, which a v7 build would take for
        // unreadable lines: the version mark alone makes it refuse the store instead.
        m.registerMigration("v8-records") { _ in }
        // Records of content version 3 (ids derived from the session id stored as an `ei`), which a
        // v8 build would take for unreadable lines (and drop from a dead segment): marked the same way.
        m.registerMigration("v9-record-ids") { _ in }
        return m
    }

    /// Events written straight here (no journal): linked into their chains, which move on only
    /// once the transaction committed.
    func append(_ events: [AuditEvent]) throws -> [StoredAuditEvent] {
        let linked = tips.link(events)
        let stored = try append(events, entries: [linked.entries], positions: nil)
        tips.commit(linked.moves)
        return stored
    }

    /// Inserts the events (as `entries`, one per record) in one transaction. `entries` come in the
    /// groups they were journaled in (not copied into one array), with journal `positions` in the
    /// same shape: records another process already indexed from the journal are skipped, and the
    /// segments' marks move past them. `events`: the entries' events, when someone listens for them
    /// (nil: nothing is returned).
    func append(_ events: [AuditEvent]?, entries: [[AuditIndexEntry]], positions: [[AuditJournal.Position]]?) throws -> [StoredAuditEvent] {
        guard entries.contains(where: { !$0.isEmpty }) else { return [] }
        return try pool.writeWithoutTransaction { db in
            var stored: [StoredAuditEvent] = []
            var count = 0
            try db.inTransaction(.immediate) {
                let placed = try insert(entries, positions: positions, db)
                count = placed.count { $0 != nil }
                // Events that do not line up with the records are not handed back (the caller's
                // subscribers then read the store).
                guard let events, events.count == placed.count else { return .commit }
                stored = zip(placed, events).compactMap { at, e in at.map { StoredAuditEvent(previous: $0.previous, position: $0.position, event: e) } }
                // Store order: a session's records of the batch share a chunk.
                stored.sort { $0.position < $1.position }
                return .commit
            }
            checkpointer.committed(count)
            return stored
        }
    }

    /// The entries, in a transaction the caller holds, as chunks (a session's records of the batch
    /// together), `positions` in the same shape; where each of their events went (in the entries'
    /// order), nil for one skipped.
    func insert(_ groups: [[AuditIndexEntry]], positions: [[AuditJournal.Position]]?, _ db: GRDB.Database) throws -> [(previous: Int64, position: Int64)?] {
        var chunks: [AuditChunks.Builder] = []
        var open: [String: Int] = [:]
        var heads: [String: (index: Int64, hash: [UInt8])] = [:]
        var marks: [String: (done: Int64, to: Int64)] = [:]
        var ends = Set<String>()
        // A batch's records mostly share a segment: the last segment's mark is kept at hand, not
        // looked up by name per record.
        var segment: (name: String, done: Int64, to: Int64)?
        var events = 0
        for (g, entries) in groups.enumerated() {
            for (k, entry) in entries.enumerated() {
                let first = events
                events += entry.count
                if let at = positions?[g][k] {
                    if segment?.name != at.segment {
                        if let s = segment { marks[s.name] = (s.done, s.to) }
                        let done = try marks[at.segment]?.done ?? Self.indexedTo(at.segment, db)
                        segment = (at.segment, done, marks[at.segment]?.to ?? done)
                    }
                    guard var s = segment else { continue }
                    s.to = max(s.to, at.end)
                    segment = s
                    if at.end <= s.done { continue }
                }
                let sid = entry.sessionID
                if let c = open[sid], chunks[c].accepts(entry) {
                    chunks[c].add(entry, at: first)
                } else {
                    open[sid] = chunks.count
                    var chunk = AuditChunks.Builder(entry)
                    chunk.add(entry, at: first)
                    chunks.append(chunk)
                }
                if entry.endsSession { ends.insert(sid) }
                if let chain = entry.chain, entry.lastIndex > heads[sid]?.index ?? -1 {
                    heads[sid] = (entry.lastIndex, chain.hash)
                }
            }
        }
        if let s = segment { marks[s.name] = (s.done, s.to) }
        var placed = [(previous: Int64, position: Int64)?](repeating: nil, count: events)
        if !chunks.isEmpty {
            var previous = try AuditChunks.lastPosition(db)
            let ids = try AuditChunks.insert(chunks, db)
            let session = try db.cachedStatement(sql: Self.sessionSQL)
            let sessionEnd = try db.cachedStatement(sql: Self.sessionEndSQL)
            for (chunk, id) in zip(chunks, ids) {
                var line = 0
                for run in chunk.runs {
                    for i in run {
                        let position = AuditChunks.position(chunk: id, line: line)
                        placed[i] = (previous, position)
                        previous = position
                        line += 1
                    }
                }
                try session.execute(arguments: [chunk.sid, AuditChunks.position(chunk: id, line: 0)])
                if ends.contains(chunk.sid) { try sessionEnd.execute(arguments: [previous, chunk.sid]) }
            }
        }
        if !heads.isEmpty {
            let head = try db.cachedStatement(sql: Self.sessionHeadSQL)
            for (sid, h) in heads { try head.execute(arguments: [h.index, Data(h.hash), sid]) }
        }
        for (segment, mark) in marks where mark.to > mark.done { try Self.setIndexed(segment, to: mark.to, db) }
        return placed
    }

    /// The newest `limit` matches among the older rows and the chunks, oldest first.
    func search(_ q: AuditSearch) throws -> [AuditEvent] {
        let limit = max(q.limit, 0)
        guard limit > 0 else { return [] }
        return try pool.read { db in
            var found = try legacySearch(q, limit: limit, db)
            found += try AuditChunks.search(q, limit: limit, db)
            found.sort { ($0.event.time.nanoseconds, $0.position) < ($1.event.time.nanoseconds, $1.position) }
            return found.suffix(limit).map(\.event)
        }
    }

    /// Rows from before chunks (store v6 and older).
    private func legacySearch(_ q: AuditSearch, limit: Int, _ db: GRDB.Database) throws -> [StoredAuditEvent] {
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
        args.append(limit)
        return try fetch(sql, StatementArguments(args), db)
    }

    func session(_ sid: String) throws -> [AuditEvent] {
        try sessionRecords(sid).parallelMap { try $0.payload.decoded(at: $0.position) }
    }

    func sessionJSON(_ sid: String) throws -> [String] {
        try sessionRecords(sid).parallelMap { try $0.payload.json(at: $0.position) }
    }

    /// A session's stored events, old rows and chunk records alike, in `ei` order (store order for
    /// equal ones), neither decoded from JSON nor rendered to it.
    private func sessionRecords(_ sid: String) throws -> [(index: Int64, position: Int64, payload: AuditIndexRow.Payload)] {
        var found: [(index: Int64, position: Int64, payload: AuditIndexRow.Payload)] = []
        let chunks = try pool.read { db in
            let legacy = try Row.fetchAll(db, sql: """
                SELECT e.id, e.ei, e.json FROM audit_session_chunks c CROSS JOIN audit_events e ON e.id BETWEEN c.first_id AND c.last_id
                  WHERE c.sid = ? AND e.sid = ?
                """, arguments: [sid, sid])
            for row in legacy { found.append((row["ei"], row["id"], .json(row["json"]))) }
            return try Row.fetchAll(db, sql: "SELECT id, lines FROM audit_chunks WHERE sid = ? ORDER BY id", arguments: [sid])
                .map { (id: $0["id"] as Int64, lines: $0["lines"] as Data) }
        }
        // Records decoded on every core, outside the read (one snapshot holds what was read).
        let decoded = try chunks.parallelMap(minimumPerThread: 8) { chunk in
            try AuditChunks.records(id: chunk.id, lines: chunk.lines).compactMap { position, row, _ in
                guard let row else { throw AuditStoreError.corrupt(position: position, reason: "an unreadable line in an index chunk") }
                return row.sessionID == sid ? (row.index, position, row.payload) : nil
            }
        }
        for part in decoded { found += part }
        found.sort { ($0.index, $0.position) < ($1.index, $1.position) }
        return found
    }

    /// The event after which a session writes nothing more: its end, or a refused start.
    static func endsSession(_ event: AuditEvent) -> Bool { event.details.endsSession }

    func events(after cursor: Int64, limit: Int) throws -> [StoredAuditEvent] {
        try pool.read { db in
            var out: [StoredAuditEvent] = []
            if cursor < AuditChunks.base {
                out = try fetch("SELECT id, json FROM audit_events WHERE id > ? ORDER BY id LIMIT ?", [cursor, limit], db)
            }
            guard out.count < limit else { return out }
            let from = cursor < AuditChunks.base ? 0 : AuditChunks.chunkID(of: cursor)
            let chunks = try Row.fetchCursor(db, sql: "SELECT id FROM audit_chunks WHERE id >= ? ORDER BY id", arguments: [from])
            var previous = out.last?.position ?? cursor
            while out.count < limit, let chunk = try chunks.next() {
                let id: Int64 = chunk["id"]
                // Only the events past the cursor, and no more than the page needs, are kept (and
                // JSON lines decoded).
                let skip = cursor - AuditChunks.position(chunk: id, line: 0)
                let room = Int64(limit - out.count)
                for e in try AuditChunks.events(of: id, db, where: { position, _ in
                    position > cursor && position - AuditChunks.position(chunk: id, line: 0) <= max(skip, -1) + room
                }) {
                    out.append(StoredAuditEvent(previous: previous, position: e.position, event: e.event))
                    previous = e.position
                }
            }
            return out
        }
    }

    func lastPosition() throws -> Int64 {
        try pool.read { db in try AuditChunks.lastPosition(db) }
    }

    func close() throws {
        try checkpointer.close()
        try pool.close()
    }

    private func fetch(_ sql: String, _ arguments: StatementArguments, _ db: GRDB.Database) throws -> [StoredAuditEvent] {
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        return try rows.map { row in
            let id: Int64 = row["id"]
            let json: String = row["json"]
            return StoredAuditEvent(previous: id - 1, position: id, event: try decodeStored(json, at: id))
        }
    }
}

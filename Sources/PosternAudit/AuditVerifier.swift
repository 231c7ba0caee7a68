import Foundation
import GRDB
import PosternCore

/// What `audit verify` found: counts, and the first break of each session's chain.
public struct AuditVerifyReport: Sendable, Codable, Equatable {
    public var sessions = 0
    /// Events of chained records (or lines) checked, and how many of those were read from the
    /// journal (not yet indexed). Problems name records by their first event's `ei`.
    public var records = 0
    public var journalRecords = 0
    /// Rows written before chains (store v4 or older): counted, not checkable.
    public var unchained = 0
    public var problems: [AuditChainProblem] = []
    /// No problem found (kept in the JSON report too).
    public var intact = true

    public init() {}
}

/// One break in a session's chain, named by session and record (`ei`).
public struct AuditChainProblem: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// A record's contents no longer match its hash.
        case changed
        /// A record does not follow the one before it: one between was removed, or they were reordered.
        case missing
        /// The session's last records are gone (its head names a record that is not there).
        case truncated
        /// A journal line that is whole but not a record.
        case unreadable
    }

    public let kind: Kind
    /// Nil for a journal line that names no session.
    public let session: String?
    public let index: Int64?
    public let detail: String

    public var description: String {
        let at = index.map { " record \($0)" } ?? ""
        let what = session.map { "session \($0)\(at)" } ?? "journal"
        return "\(what): \(kind.rawValue): \(detail)"
    }
}

/// Re-checks every chain in a SQLite store and its journal, reading only: nothing is indexed,
/// replayed or locked, so a tampered journal is seen as it is, and a live store is not disturbed.
public enum AuditVerifier {
    public static func verify(storePath: String, session: String? = nil) throws -> AuditVerifyReport {
        guard FileManager.default.fileExists(atPath: storePath) else {
            throw AuditStoreError.cannotOpen(path: storePath, reason: "no such file")
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: storePath, configuration: config)
        } catch {
            throw AuditStoreError.cannotOpen(path: storePath, reason: String(describing: error))
        }
        defer { try? queue.close() }
        // Opened before the snapshot: a segment indexed to its end and removed while the rows are
        // read stays readable through its descriptor, so no line falls between the two.
        let segments = try JournalSegmentReader.openAll(in: AuditJournal.directory(of: storePath))
        defer { segments.forEach { $0.close() } }
        var walk = ChainWalk()
        try queue.read { db in
            // One snapshot: the rows, the heads and how far each journal segment is indexed agree.
            guard try db.columns(in: "audit_events").contains(where: { $0.name == "chain" }) else {
                walk.report.unchained = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_events") ?? 0
                return
            }
            // Rows from here on were written with chains: one without is an edit, not an old row.
            let firstChained = try Int64.fetchOne(db, sql: "SELECT first_id FROM audit_chain_start") ?? 0
            try walk.loadHeads(db, session: session)
            // Sessions whose shipped chunks left this store (`keep_local`): checked on from where they left.
            if try db.tableExists("audit_trim_points") {
                let sql = "SELECT sid, last_ei, last_hash FROM audit_trim_points" + (session == nil ? "" : " WHERE sid = ?")
                for row in try Row.fetchAll(db, sql: sql, arguments: session.map { [$0] } ?? []) {
                    guard let sid = row.value(String.self, "sid") else { continue }
                    guard let ei = row.value(Int64.self, "last_ei"), let hash = row.value(Data.self, "last_hash"),
                          hash.count == AuditChainLink.hashBytes else {
                        walk.broken(session: sid, index: nil, counted: false,
                                    "its trim point (where shipped records left this store) is malformed")
                        continue
                    }
                    walk.trimPoints[sid] = (ei, Array(hash))
                }
            }
            var sql = "SELECT id, time, event, code, user, db_service, sid, ei, uid, json, chain FROM audit_events"
            var args: StatementArguments = []
            if let session {
                let range = try Row.fetchOne(db, sql: "SELECT first_id, last_id FROM audit_sessions WHERE sid = ?", arguments: [session])
                sql += " WHERE id BETWEEN ? AND ? AND sid = ?"
                args = [range?.value(Int64.self, "first_id") ?? 0, range?.value(Int64.self, "last_id") ?? Int64.max, session]
            }
            let rows = try Row.fetchCursor(db, sql: sql + " ORDER BY id", arguments: args)
            while let row = try rows.next() {
                let id = row.value(Int64.self, "id") ?? 0
                let blob = row.value(Data.self, "chain")
                // Read without trapping: an edited column may hold any type.
                guard let time = row.value(Int64.self, "time"), let event = row.value(String.self, "event"),
                      let code = row.value(String.self, "code"), let user = row.value(String.self, "user"),
                      let service = row.value(String.self, "db_service"), let sid = row.value(String.self, "sid"),
                      let ei = row.value(Int64.self, "ei"), let uid = row.value(String.self, "uid"),
                      let json = row.value(String.self, "json")
                else {
                    walk.broken(session: row.value(String.self, "sid") ?? "?", index: row.value(Int64.self, "ei"),
                                "a column of row \(id) holds a value of the wrong type")
                    continue
                }
                let record = AuditIndexRow(time: time, event: event, code: code, user: user, dbService: service, sessionID: sid,
                                           index: ei, uid: uid, endsSession: false, json: json)
                switch (blob, blob.flatMap { AuditChainLink(stored: Array($0)) }) {
                case (nil, _) where id < firstChained: walk.report.unchained += 1
                case (nil, _): walk.broken(record, "its chain link was removed")
                case (_, nil): walk.broken(record, "its chain link is malformed")
                case (_, let link?): walk.record(record, link: link, fromJournal: false)
                }
            }
            try walk.chunks(db, session: session)
            let marks = try Row.fetchAll(db, sql: "SELECT segment, indexed_to FROM audit_journal")
            // A mark that does not read is no mark: its segment is read whole.
            let indexedTo = Dictionary(marks.compactMap { mark in
                mark.value(String.self, "segment").map { ($0, mark.value(Int64.self, "indexed_to") ?? 0) }
            }) { a, _ in a }
            // A segment without a mark is read whole: it may have been indexed after the snapshot
            // began (its lines are then in no row read here), or before (they are, and the walk
            // skips them as already seen). Whether it was removed since says neither.
            for segment in segments {
                try walk.journal(segment, from: indexedTo[segment.name] ?? 0, session: session)
            }
        }
        walk.finish()
        return walk.report
    }
}

/// The walk over each session's records in the order they were written (the local store's, and
/// the shared store's: `SharedAuditVerifier`).
struct ChainWalk {
    struct Session {
        var tip: [UInt8]
        var last: Int64?
        var broken = false
        var headSeen = false
        /// Some of its records are in the index (so it must have a head there).
        var indexed = false
    }

    var report = AuditVerifyReport()
    var sessions: [String: Session] = [:]
    var heads: [String: (index: Int64, hash: [UInt8])] = [:]
    /// Sessions whose first records retention dropped (the shared store): each chain is checked
    /// from the first record left, whatever came before it.
    var trimmed: Set<String> = []
    /// Sessions whose shipped records left the local store (`keep_local`): the newest that left, by
    /// `ei` and hash; the chain goes on from it, and a head there is seen.
    var trimPoints: [String: (index: Int64, hash: [UInt8])] = [:]

    /// A session's walk before its first record read: from genesis, from its trim point, or (trimmed
    /// by retention) from whatever its first record follows.
    func start(_ sid: String, first link: AuditChainLink?) -> Session {
        if let point = trimPoints[sid] {
            var s = Session(tip: point.hash, last: point.index)
            if let head = heads[sid], head.index == point.index, head.hash == point.hash { s.headSeen = true }
            return s
        }
        if trimmed.contains(sid), let link { return Session(tip: link.previous) }
        return Session(tip: AuditChainLink.genesis(session: sid))
    }

    mutating func loadHeads(_ db: GRDB.Database, session: String?) throws {
        var sql = "SELECT sid, last_ei, last_hash FROM audit_sessions WHERE last_hash IS NOT NULL"
        var args: StatementArguments = []
        if let session {
            sql += " AND sid = ?"
            args = [session]
        }
        for row in try Row.fetchAll(db, sql: sql, arguments: args) {
            guard let sid = row.value(String.self, "sid") else {
                report.problems.append(AuditChainProblem(kind: .changed, session: nil, index: nil,
                                                         detail: "a session's head names no readable session"))
                continue
            }
            guard let ei = row.value(Int64.self, "last_ei"), let hash = row.value(Data.self, "last_hash"),
                  hash.count == AuditChainLink.hashBytes
            else {
                broken(session: sid, index: nil, counted: false, "its head (the hash of its last record) is malformed")
                continue
            }
            heads[sid] = (ei, Array(hash))
        }
    }

    mutating func record(_ row: AuditIndexRow, link: AuditChainLink, fromJournal: Bool) {
        // A journal line the index already holds (its segment was indexed and forgotten before
        // the snapshot): the row is the record; the line is not checked twice.
        if fromJournal, let last = sessions[row.sessionID]?.last, row.index <= last { return }
        // Records up to a trim point were shipped and belong to the shared store's chain; one left
        // behind here (a chunk kept while a later one went, its clock having stepped back) is not
        // walked again.
        if let point = trimPoints[row.sessionID], row.index <= point.index { return }
        report.records += 1
        if fromJournal { report.journalRecords += 1 }
        let sid = row.sessionID
        var s = sessions[sid] ?? start(sid, first: link)
        if !fromJournal { s.indexed = true }
        defer { sessions[sid] = s }
        guard !s.broken else { return }
        // A record's events after its first: checked with the first, they only move the session on.
        if let part = row.part, !part.isFirst {
            s.last = row.index
            seeHead(&s, sid, row.index, link)
            return
        }
        let intact = row.part.map { $0.intact ?? false } ?? (AuditChainLink.hash(previous: link.previous, row: row) == link.hash)
        if !intact {
            fail(&s, .changed, sid, row.index, "its contents do not match its hash")
        } else if link.previous != s.tip {
            let detail = s.last.map { "it does not follow record \($0): a record between was removed, or records were reordered" }
                ?? "it is not the session's first record, and no record before it is left"
            fail(&s, .missing, sid, row.index, detail)
        } else {
            s.tip = link.hash
            s.last = row.index
            seeHead(&s, sid, row.index, link)
        }
    }

    /// The session's head names this event: its record's hash must be the head's.
    private mutating func seeHead(_ s: inout Session, _ sid: String, _ index: Int64, _ link: AuditChainLink) {
        guard let head = heads[sid], head.index == index else { return }
        s.headSeen = true
        if head.hash != link.hash { fail(&s, .changed, sid, index, "it differs from the session's head") }
    }

    /// A row whose link was taken away or spoiled: its session fails there.
    mutating func broken(_ row: AuditIndexRow, _ detail: String) {
        broken(session: row.sessionID, index: row.index, detail)
    }

    /// `counted`: the break is a record's (not a chunk's columns).
    mutating func broken(session sid: String, index: Int64?, counted: Bool = true, _ detail: String) {
        if counted { report.records += 1 }
        var s = sessions[sid] ?? Session(tip: AuditChainLink.genesis(session: sid))
        s.indexed = true
        if !s.broken { fail(&s, .changed, sid, index, detail) }
        sessions[sid] = s
    }

    /// The index's chunks (store v7 on), in the order they were indexed. The chunk's own columns
    /// are not hashed, but searches pick chunks by them: each must describe its lines exactly.
    mutating func chunks(_ db: GRDB.Database, session: String?) throws {
        guard try db.tableExists("audit_chunks") else { return }
        var sql = "SELECT id, sid, user, db_service, first_time, last_time, first_ei, last_ei, types, count, lines FROM audit_chunks"
        var args: StatementArguments = []
        if let session {
            sql += " WHERE sid = ?"
            args = [session]
        }
        let chunks = try Row.fetchCursor(db, sql: sql + " ORDER BY id", arguments: args)
        // Chunks are decoded (and their records hashed) a batch at a time on every core, then
        // walked in order: the walk is sequential, the decoding is most of the work.
        // Lines are read from the cursor (with SQLite's conversions, as searches read them), without
        // trapping: a tampered column may hold any type.
        var batch: [(row: Row, lines: Data)] = []
        var bytes = 0
        while true {
            let chunk = try chunks.next()
            if let chunk {
                let lines = (try? chunk.decode(Data.self, forColumn: "lines")) ?? Data()
                batch.append((chunk.copy(), lines))
                bytes += lines.count
            }
            guard chunk == nil || batch.count >= 256 || bytes >= 32 << 20 else { continue }
            try check(batch.map { (AuditChunks.Columns($0.row), $0.lines) }, session: session)
            batch.removeAll(keepingCapacity: true)
            bytes = 0
            if chunk == nil { return }
        }
    }

    /// A batch of chunks in order: decoded on every core, then walked.
    mutating func check(_ batch: [(columns: AuditChunks.Columns, lines: Data)], session: String?) throws {
        let decoded = try batch.parallelMap(minimumPerThread: 16) { chunk in
            AuditChunks.records(id: chunk.columns.id, lines: chunk.lines, checking: true)
        }
        for (chunk, records) in zip(batch, decoded) { check(chunk.columns, records, session: session) }
    }

    /// One chunk: each of its records in its session's chain, and its columns against them.
    private mutating func check(_ chunk: AuditChunks.Columns, _ records: [(position: Int64, row: AuditIndexRow?, line: ArraySlice<UInt8>)],
                                session: String?) {
        let id = chunk.id
        let sid = chunk.sid ?? "?"
        var described: AuditChunks.Builder?
        // Lines, not events: a record holds several.
        var lineNumber = 0
        var lastLine: Range<Int>?
        for (_, row, line) in records {
            if line.indices != lastLine { lineNumber += 1 }
            lastLine = line.indices
            guard let row else {
                let named = AuditJournalLine.named(line)
                broken(session: named?.session ?? sid, index: named?.index ?? nil,
                       "line \(lineNumber) of index chunk \(id) is not a whole record (its chain link or a column is malformed)")
                continue
            }
            if described == nil { described = AuditChunks.Builder(row) }
            described?.describe(row)
            guard session == nil || row.sessionID == session else { continue }
            if let link = row.chain {
                record(row, link: link, fromJournal: false)
            } else {
                // Chunks came after chains: a line without a link lost it. (A pre-chain journal
                // segment replayed after an upgrade straight from store v4 is reported too.)
                broken(session: row.sessionID, index: row.index, "its chain link was removed")
            }
        }
        if let mismatch = described?.mismatch(chunk) ?? (records.isEmpty ? "no records" : nil) {
            broken(session: described?.sid ?? sid, index: nil, counted: false, "index chunk \(id) misdescribes its records (\(mismatch)): searches would miss them")
        }
    }

    /// A segment's lines past what the index holds (in the snapshot read), in file order.
    mutating func journal(_ segment: OpenedSegment, from start: Int64, session: String?) throws {
        var offset = start
        while true {
            let lines = try segment.reader.lines(from: offset)
            guard let last = lines.last else { break }
            for (line, end) in lines {
                if let rows = AuditJournalLine.rows(line, checking: true) {
                    for row in rows where session == nil || row.sessionID == session {
                        if let link = row.chain {
                            record(row, link: link, fromJournal: true)
                        } else {
                            report.unchained += 1
                        }
                    }
                } else if !line.isEmpty {
                    report.problems.append(AuditChainProblem(
                        kind: .unreadable, session: nil, index: nil,
                        detail: "journal \(segment.name) has an unreadable line ending at byte \(end)"))
                }
            }
            offset = last.end
        }
    }

    /// Sessions whose chains stop short of their heads.
    mutating func finish() {
        for (sid, head) in heads.sorted(by: { $0.key < $1.key }) {
            var s = sessions[sid] ?? start(sid, first: nil)
            guard !s.broken, !s.headSeen else { continue }
            if let point = trimPoints[sid], point.index == head.index {
                fail(&s, .changed, sid, head.index, "its head differs from the record its trim point names")
                sessions[sid] = s
                continue
            }
            let detail = s.last.map { "its last record found is \($0), but it was written up to record \(head.index)" }
                ?? "none of its records are left (it was written up to record \(head.index))"
            fail(&s, .truncated, sid, s.last, detail)
            sessions[sid] = s
        }
        // The index writes a session's head with its rows: indexed rows without one lost it.
        for (sid, s) in sessions.sorted(by: { $0.key < $1.key }) where s.indexed && !s.broken && heads[sid] == nil {
            var s = s
            fail(&s, .truncated, sid, s.last, "its head (the hash of its last record) was removed from the store")
            sessions[sid] = s
        }
        report.sessions = sessions.count
        report.intact = report.problems.isEmpty
    }

    private mutating func fail(_ s: inout Session, _ kind: AuditChainProblem.Kind, _ sid: String, _ index: Int64?, _ detail: String) {
        s.broken = true
        report.problems.append(AuditChainProblem(kind: kind, session: sid, index: index, detail: detail))
    }
}

extension AuditStore {
    /// `AuditVerifier` over this store (read-only; the journal's unindexed lines included).
    public func verify(session: String? = nil) throws -> AuditVerifyReport {
        guard backend == .sqlite else { throw AuditStoreError.io("a jsonl store carries no hash chains; audit verify checks the sqlite store") }
        return try AuditVerifier.verify(storePath: path, session: session)
    }
}

fileprivate extension Row {
    /// A column's value, or nil when it is NULL or of another type (GRDB's subscript would trap on
    /// a tampered column).
    func value<T: DatabaseValueConvertible>(_ type: T.Type, _ column: String) -> T? {
        try? decode(T?.self, forColumn: column) ?? nil
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import Logging
import PosternCore
import Synchronization

/// Ships the local store's indexed chunks to the shared store, in order, in batches: each batch is
/// one PostgreSQL transaction (the chunks, the sessions' chain heads, a `NOTIFY`), and only once it
/// has committed does the local cursor (`audit_shipping`) move past it. A shipper killed in
/// between ships the batch again on restart, and the shared store's key makes that insert nothing.
///
/// One shipper per local store at a time (an flock on `<store>.ship.lock`): the console, a tunnel
/// and the bastion service may share a store, and whichever holds the lock ships for all of them.
/// A shared store that is down only delays shipping: sessions go on, journaled locally.
public final class AuditShipper: Sendable {
    public struct Status: Sendable, Equatable {
        /// Events indexed locally and not yet in the shared store.
        public var backlogEvents: Int64
        /// The oldest of them.
        public var backlogSince: AuditTime?
        /// Why the last attempt failed, while it keeps failing.
        public var lastError: String?
        /// Events this shipper has shipped since it started.
        public var shippedEvents: Int64
        /// Another process ships this store.
        public var shippedElsewhere: Bool
    }

    /// Chunks per batch (each holds up to 4,096 events): 11 parameters each, under PostgreSQL's 65,535.
    public static let defaultBatchChunks = 1_000
    private let batchChunks: Int
    static let batchBytes = 32 << 20

    private let backend: SQLiteAuditBackend
    private let store: AuditStore
    /// `audit.disk_budget`: past it, the store refuses new statements until shipping catches up.
    private let budgetBytes: Int64?
    /// `audit.shared.retention`: months wholly older are dropped, at connection and hourly after.
    private let retentionDays: Int?
    /// `audit.shared.keep_local`: shipped chunks older than this leave the local store (nil: kept).
    private let keepLocalDays: Int?
    private let storePath: String
    private let host: String
    private let spec: @Sendable () throws -> SharedPGSpec
    private let logger: Logger
    private let state = Mutex(State())
    /// Signalled by `stop`, so a pause between attempts ends at once.
    private let wake = NSCondition()

    private struct State {
        var stopped = false
        var lastError: String?
        var shipped: Int64 = 0
        var budgetChecked: Double = 0
        var holdsLock = false
        /// Threads still running (shipping, budget): `stop` waits for them.
        var threads = 0
        var lastShipped: AuditTime?
        var noted: (time: Double, error: String?)?
    }

    /// `spec` is asked again at each (re)connection: an IAM token is good for 15 minutes. Nil for a
    /// store that is not SQLite (the config allows `shared` only with it).
    /// `batchChunks`: chunks per shipping transaction, at most the default (smaller batches only
    /// add round trips; tests use them to stop a shipper between batches).
    public init?(store: AuditStore, host: String, spec: @escaping @Sendable () throws -> SharedPGSpec, logger: Logger,
                 budgetBytes: Int64? = nil, retentionDays: Int? = nil, keepLocalDays: Int? = nil,
                 batchChunks: Int = AuditShipper.defaultBatchChunks) {
        guard let backend = store.storage as? SQLiteAuditBackend else { return nil }
        self.store = store
        self.budgetBytes = budgetBytes
        self.retentionDays = retentionDays
        self.keepLocalDays = keepLocalDays
        self.batchChunks = min(max(batchChunks, 1), Self.defaultBatchChunks)
        self.backend = backend
        storePath = store.path
        self.host = host
        self.spec = spec
        self.logger = logger
    }

    /// Where the local store has shipped to, and the sessions whose shipped chunks left it (tables
    /// older Postern builds leave alone; `audit verify --local` reads the second).
    static let cursorSchema = """
        CREATE TABLE IF NOT EXISTS audit_shipping (id INTEGER PRIMARY KEY CHECK (id = 1), chunk INTEGER NOT NULL);
        INSERT OR IGNORE INTO audit_shipping (id, chunk) VALUES (1, 0);
        CREATE TABLE IF NOT EXISTS audit_trim_points (sid TEXT PRIMARY KEY, last_ei INTEGER NOT NULL, last_hash BLOB NOT NULL) WITHOUT ROWID;
        """

    /// Local deletion failing is not shipping failing: logged, tried again after the next batch.
    private func removeShipped() {
        do {
            try deleteShipped()
        } catch {
            logger.warning("shipped audit chunks could not be removed from the local store", metadata: ["error": "\(error)"])
        }
    }

    /// Chunks removed per local transaction (the index writer waits for each).
    static let deleteChunks = 500

    /// Shipped (and confirmed: at or below the cursor) chunks past `keep_local` leave the local
    /// store, a bounded number per transaction. Each session's trim point (the newest record that
    /// left: its `ei` and hash) is kept, so `audit verify --local` checks what is left against it.
    private func deleteShipped() throws {
        guard let days = keepLocalDays else { return }
        let before = AuditTime.now().nanoseconds - Int64(days) * 86_400 * 1_000_000_000
        while !stopped {
            let removed = try backend.pool.write { db -> Int in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT id, sid, last_ei, lines FROM audit_chunks
                      WHERE id <= (SELECT chunk FROM audit_shipping WHERE id = 1) AND last_time < ? ORDER BY id LIMIT ?
                    """, arguments: [before, Self.deleteChunks])
                guard !rows.isEmpty else { return 0 }
                var points: [String: (ei: Int64, hash: [UInt8])] = [:]
                var ids: [Int64] = []
                for row in rows {
                    // Read without trapping (a tampered column may hold anything); a chunk that does
                    // not read, or whose last record's hash does not, stays for `audit verify` to name.
                    guard let id = try? row.decode(Int64.self, forColumn: "id"),
                          let sid = try? row.decode(String.self, forColumn: "sid"),
                          let ei = try? row.decode(Int64.self, forColumn: "last_ei"),
                          let lines = try? row.decode(Data.self, forColumn: "lines"),
                          let link = Self.lastRecordLink([UInt8](lines)) else { continue }
                    ids.append(id)
                    if points[sid].map({ $0.ei < ei }) ?? true { points[sid] = (ei, link.hash) }
                }
                for (sid, point) in points {
                    try db.execute(sql: """
                        INSERT INTO audit_trim_points (sid, last_ei, last_hash) VALUES (?, ?, ?)
                          ON CONFLICT (sid) DO UPDATE SET last_ei = excluded.last_ei, last_hash = excluded.last_hash
                          WHERE excluded.last_ei > audit_trim_points.last_ei
                        """, arguments: [sid, point.ei, Data(point.hash)])
                }
                if !ids.isEmpty {
                    try db.execute(sql: "DELETE FROM audit_chunks WHERE id IN (\(ids.map(String.init).joined(separator: ",")))")
                }
                return rows.count
            }
            if removed < Self.deleteChunks { return }
        }
    }

    public func start() {
        // The budget on its own thread, every second, in every process sharing the store (each
        // refuses its own statements), whatever the shipping thread is waiting on.
        if budgetBytes != nil {
            launch("postern-audit-budget") { [self] in
                while !stopped {
                    checkBudget()
                    pause(1)
                }
            }
        }
        launch("postern-audit-ship") { [self] in run() }
    }

    private func launch(_ name: String, _ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.threads += 1 }
        let thread = Thread { [self] in
            body()
            wake.lock()
            state.withLock { $0.threads -= 1 }
            wake.broadcast()
            wake.unlock()
        }
        thread.name = name
        thread.start()
    }

    /// Stops after the batch in flight (which is either committed and noted, or shipped again
    /// later), waiting for it up to `wait` so the store can be closed after.
    public func stop(wait: Double = 15) {
        wake.lock()
        state.withLock { $0.stopped = true }
        wake.broadcast()
        let deadline = Date(timeIntervalSinceNow: wait)
        while state.withLock({ $0.threads > 0 }), wake.wait(until: deadline) {}
        wake.unlock()
    }

    public func status() -> Status {
        let (error, shipped, holds) = state.withLock { ($0.lastError, $0.shipped, $0.holdsLock) }
        let backlog = try? ShippingReport.backlog(backend)
        return Status(backlogEvents: backlog?.events ?? 0, backlogSince: backlog?.since, lastError: error, shippedEvents: shipped,
                      shippedElsewhere: !holds)
    }

    /// The console's status line: nil while shipping keeps up (nothing waiting longer than `grace`
    /// seconds, and no failure).
    public func behind(grace: Double = 5) -> String? {
        let s = status()
        guard s.backlogEvents > 0, let since = s.backlogSince else { return nil }
        let age = Double(AuditTime.now().nanoseconds - since.nanoseconds) / 1e9
        guard age >= grace || s.lastError != nil else { return nil }
        return "audit shipping behind: \(s.backlogEvents) events, since \(since.rfc3339)"
    }

    private var stopped: Bool { state.withLock { $0.stopped } }

    private func run() {
        var connection: SharedPGConnection?
        var lockFD: Int32 = -1
        var delay = 0.25
        var knownMonths: Set<SharedAuditSchema.Month> = []
        var prepared = false
        var retained = Date.distantPast
        var deleted = Date.distantPast
        defer { if lockFD >= 0 { close(lockFD) } }
        while !stopped {
            if lockFD < 0 { lockFD = takeShipLock() }
            guard lockFD >= 0 else {
                pause(1)
                continue
            }
            do {
                if !prepared {
                    try backend.pool.write { db in try db.execute(sql: Self.cursorSchema) }
                    prepared = true
                }
                if connection == nil || connection?.isBroken == true {
                    let c = try SharedPGConnection(spec(), applicationName: "postern-audit-ship \(host)")
                    try SharedAuditSchema.check(c)
                    connection = c
                    knownMonths = []
                    retained = .distantPast
                }
                guard let c = connection else { continue }
                if let days = retentionDays, Date().timeIntervalSince(retained) >= 3600 {
                    retained = Date()
                    let dropped = try SharedAuditSchema.dropExpired(c, retentionDays: days)
                    knownMonths = []
                    if !dropped.isEmpty {
                        logger.notice("audit retention: dropped months older than \(days) days", metadata: ["partitions": "\(dropped)"])
                    }
                }
                let batch = try nextBatch()
                if batch.isEmpty {
                    // Chunks kept past `keep_local` age out while nothing is shipped too.
                    if Date().timeIntervalSince(deleted) >= 60 {
                        deleted = Date()
                        removeShipped()
                    }
                    noteSuccess()
                    delay = 0.25
                    pause(0.1)
                    continue
                }
                let months = Set(batch.map { SharedAuditSchema.Month(nanos: $0.firstTime) })
                if !months.isSubset(of: knownMonths) {
                    try SharedAuditSchema.ensurePartitions(c, covering: batch.map(\.firstTime))
                    knownMonths.formUnion(months)
                }
                try ship(batch, over: c)
                guard let last = batch.last?.id else { continue }
                try backend.pool.write { db in
                    try db.execute(sql: "UPDATE audit_shipping SET chunk = MAX(chunk, ?) WHERE id = 1", arguments: [last])
                }
                let events = batch.reduce(Int64(0)) { $0 + $1.count }
                state.withLock {
                    $0.shipped += events
                    $0.lastError = nil
                    $0.lastShipped = AuditTime.now()
                }
                writeNote()
                removeShipped()
                delay = 0.25
            } catch {
                let message = (error as? SharedAuditError)?.description ?? "\(error)"
                let changed = state.withLock { s -> Bool in
                    defer { s.lastError = message }
                    return s.lastError != message
                }
                // Logged when it changes, not at every retry of an outage.
                if changed { logger.warning("audit shipping is behind; retrying", metadata: ["error": "\(message)"]) }
                // A partition dropped meanwhile (retention here or on another bastion) is made again.
                knownMonths = []
                writeNote()
                if connection?.isBroken ?? true { connection = nil }
                pause(delay)
                delay = min(delay * 2, 10)
            }
        }
    }

    /// At most once a second: the bytes of the chunks not yet shipped against the budget.
    private func checkBudget() {
        guard let budget = budgetBytes else { return }
        let now = Date().timeIntervalSince1970
        guard state.withLock({ s in
            guard now - s.budgetChecked >= 1 else { return false }
            s.budgetChecked = now
            return true
        }) else { return }
        guard let bytes = try? ShippingReport.backlogBytes(backend) else { return }
        if bytes < budget {
            if store.budgetExceeded != nil {
                logger.notice("audit backlog back under audit.disk_budget: statements are accepted again")
                store.setBudgetExceeded(nil)
            }
            return
        }
        if store.budgetExceeded == nil {
            logger.error("audit backlog at audit.disk_budget: new statements are refused until shipping catches up",
                         metadata: ["backlog_bytes": "\(bytes)", "budget_bytes": "\(budget)"])
        }
        let (failing, holds) = state.withLock { ($0.lastError != nil, $0.holdsLock) }
        let behind = failing ? "the shared audit store is unreachable"
            : holds ? "shipping to the shared audit store is behind" : "another process ships this store and is behind"
        store.setBudgetExceeded("the audit backlog on this bastion (\(bytes >> 20) MiB) has reached audit.disk_budget "
                                + "(\(budget >> 20) MiB) while \(behind)")
    }

    private func noteSuccess() {
        state.withLock { $0.lastError = nil }
        writeNote()
    }

    /// Rewrites `<store>.ship.status` for `postern audit status` (other processes): when the error
    /// changes, else at most once a second.
    private func writeNote() {
        let now = Date().timeIntervalSince1970
        let note: ShippingReport.ShipperNote? = state.withLock { s in
            if let noted = s.noted, noted.error == s.lastError, now - noted.time < 1 { return nil }
            s.noted = (now, s.lastError)
            return ShippingReport.ShipperNote(host: host, pid: getpid(), updated: AuditTime.now().rfc3339,
                                              lastError: s.lastError, lastShipped: s.lastShipped?.rfc3339)
        }
        guard let note, let data = try? JSONEncoder().encode(note) else { return }
        let path = ShippingReport.statusPath(storePath)
        let temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        rename(temporary, path)
    }

    /// Sleeps up to `seconds`, or until `stop`.
    private func pause(_ seconds: Double) {
        var left = seconds
        while left > 0, !stopped {
            let step = min(left, 1)
            wake.lock()
            if !stopped { _ = wake.wait(until: Date(timeIntervalSinceNow: step)) }
            wake.unlock()
            left -= step
        }
    }

    private func takeShipLock() -> Int32 {
        let fd = open(storePath + ".ship.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return -1 }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return -1
        }
        state.withLock { $0.holdsLock = true }
        return fd
    }

    /// A local chunk, as shipped.
    struct Chunk {
        let id: Int64
        let sid: String
        let user: String
        let dbService: String
        let firstTime: Int64
        let lastTime: Int64
        let firstEI: Int64
        let lastEI: Int64
        let types: [String]
        let count: Int64
        let lines: [UInt8]
    }

    private func nextBatch() throws -> [Chunk] {
        try backend.pool.read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, sid, user, db_service, first_time, last_time, first_ei, last_ei, types, count, lines
                  FROM audit_chunks WHERE id > COALESCE((SELECT chunk FROM audit_shipping WHERE id = 1), 0)
                  ORDER BY id LIMIT ?
                """, arguments: [batchChunks])
            var out: [Chunk] = []
            var bytes = 0
            while let r = try rows.next() {
                let lines = [UInt8](r["lines"] as Data)
                let types = (r["types"] as String).split(separator: ",").map(String.init)
                out.append(Chunk(id: r["id"], sid: r["sid"], user: r["user"], dbService: r["db_service"],
                                 firstTime: r["first_time"], lastTime: r["last_time"], firstEI: r["first_ei"],
                                 lastEI: r["last_ei"], types: types, count: r["count"], lines: lines))
                bytes += lines.count
                if bytes >= Self.batchBytes { break }
            }
            return out
        }
    }

    /// One transaction: the chunks (already shipped ones skipped), the heads, the notification.
    private func ship(_ batch: [Chunk], over c: SharedPGConnection) throws(SharedAuditError) {
        var sql = """
            INSERT INTO postern_audit_chunks
              (host, sid, "user", db_service, first_time, last_time, first_ei, last_ei, types, count, lines) VALUES
            """
        var params: [SharedPGValue] = []
        params.reserveCapacity(batch.count * 11)
        for (k, chunk) in batch.enumerated() {
            let b = k * 11
            sql += (k == 0 ? " " : ", ") + "($\(b + 1), $\(b + 2), $\(b + 3), $\(b + 4), $\(b + 5)::bigint, $\(b + 6)::bigint, "
                + "$\(b + 7)::bigint, $\(b + 8)::bigint, $\(b + 9)::text[], $\(b + 10)::integer, $\(b + 11))"
            params += [.text(host), .text(chunk.sid), .text(chunk.user), .text(chunk.dbService), .int(chunk.firstTime),
                       .int(chunk.lastTime), .int(chunk.firstEI), .int(chunk.lastEI), .text(Self.arrayLiteral(chunk.types)),
                       .int(chunk.count), .bytes(chunk.lines)]
        }
        sql += " ON CONFLICT DO NOTHING"
        try c.transaction { () throws(SharedAuditError) in
            try c.exec(sql, params)
            try shipHeads(batch, over: c)
            try c.exec("SELECT pg_notify($1, $2)", [.text(SharedAuditSchema.channel), .text(host)])
        }
    }

    /// Each session's newest record's hash, so a cut tail shows in the shared store too.
    private func shipHeads(_ batch: [Chunk], over c: SharedPGConnection) throws(SharedAuditError) {
        var heads: [String: (ei: Int64, hash: [UInt8])] = [:]
        for chunk in batch {
            guard heads[chunk.sid].map({ $0.ei < chunk.lastEI }) ?? true,
                  let link = Self.lastRecordLink(chunk.lines) else { continue }
            heads[chunk.sid] = (chunk.lastEI, link.hash)
        }
        guard !heads.isEmpty else { return }
        var sql = "INSERT INTO postern_audit_sessions (sid, host, last_ei, last_hash) VALUES"
        var params: [SharedPGValue] = []
        for (k, (sid, head)) in heads.sorted(by: { $0.key < $1.key }).enumerated() {
            let b = k * 4
            sql += (k == 0 ? " " : ", ") + "($\(b + 1), $\(b + 2), $\(b + 3)::bigint, $\(b + 4))"
            params += [.text(sid), .text(host), .int(head.ei), .bytes(head.hash)]
        }
        sql += """
             ON CONFLICT (sid) DO UPDATE SET last_ei = EXCLUDED.last_ei, last_hash = EXCLUDED.last_hash
              WHERE postern_audit_sessions.last_ei < EXCLUDED.last_ei
            """
        try c.exec(sql, params)
    }

    /// The chain link of a chunk's last line: read from the front of a record, else (a chained JSON
    /// line of a store from before v8) from the line decoded.
    static func lastRecordLink(_ lines: [UInt8]) -> AuditChainLink? {
        guard lines.last == 10 else { return nil }
        let body = lines.dropLast()
        let start = body.lastIndex(of: 10).map { $0 + 1 } ?? body.startIndex
        if let link = AuditRecordLine.link(body[start...]) { return link }
        return AuditChunks.records(id: 0, lines: Data(lines)).last?.row?.chain
    }

    /// `{"a","b"}`: event type names hold no quotes or backslashes, but are quoted all the same.
    static func arrayLiteral(_ items: [String]) -> String {
        "{" + items.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}

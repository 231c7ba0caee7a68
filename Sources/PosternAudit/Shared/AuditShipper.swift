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
    let batchChunks: Int
    static let batchBytes = 32 << 20

    let backend: SQLiteAuditBackend
    let store: AuditStore
    /// `audit.disk_budget`: past it, the store refuses new statements until shipping catches up.
    let budgetBytes: Int64?
    /// `audit.shared.retention`: months wholly older are dropped, at connection and hourly after.
    let retentionDays: Int?
    /// `audit.shared.keep_local`: shipped chunks older than this leave the local store (nil: kept).
    let keepLocalDays: Int?
    let storePath: String
    let host: String
    let spec: @Sendable () throws -> SharedPGSpec
    let logger: Logger
    let state = Mutex(State())
    /// Signalled by `stop`, so a pause between attempts ends at once.
    let wake = NSCondition()

    struct State {
        var stopped = false
        var lastError: String?
        var shipped: Int64 = 0
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

    func launch(_ name: String, _ body: @escaping @Sendable () -> Void) {
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

    var stopped: Bool { state.withLock { $0.stopped } }

    func run() {
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

    func noteSuccess() {
        state.withLock { $0.lastError = nil }
        writeNote()
    }

    /// Sleeps up to `seconds`, or until `stop`.
    func pause(_ seconds: Double) {
        var left = seconds
        while left > 0, !stopped {
            let step = min(left, 1)
            wake.lock()
            if !stopped { _ = wake.wait(until: Date(timeIntervalSinceNow: step)) }
            wake.unlock()
            left -= step
        }
    }

    func takeShipLock() -> Int32 {
        let fd = open(storePath + ".ship.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return -1 }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return -1
        }
        state.withLock { $0.holdsLock = true }
        return fd
    }


}

import Logging
import PosternCore

/// The audit log: an `AuditSink` with group commit, plus search, session playback and a live
/// subscription. One per process and store file; share it (it is Sendable) rather than opening twice.
public final class AuditStore: ImmediateAuditSink {
    public let path: String
    public let backend: AuditConfig.Backend
    let storage: any AuditBackend
    let writer: GroupCommitWriter
    /// SQLite's write-ahead journal: events are durable once journaled, and indexed by the writer.
    let journal: AuditJournal?
    /// Each open session's chain tip (SQLite only).
    let tips: AuditChainTips?
    let logger: Logger
    /// Set by the shipper's budget check (`AuditShipper`), read on every gated commit.
    private let budget = AuditBudgetFlag()

    /// Opens (creating if needed, directory 0700, file 0600) the store a config names.
    public static func open(_ config: AuditConfig, environment: [String: String], home: String,
                            logger: Logger = Logger(label: "postern.audit")) throws -> AuditStore {
        try AuditStore(backend: config.backend, path: config.resolvedPath(environment: environment, home: home),
                       synchronous: config.synchronous, logger: logger)
    }

    public convenience init(backend: AuditConfig.Backend, path: String, synchronous: AuditConfig.Synchronous = .normal,
                            logger: Logger = Logger(label: "postern.audit")) throws {
        try self.init(backend: backend, path: path, synchronous: synchronous, indexQueueBound: 100_000, logger: logger)
    }

    /// `indexQueueBound`: journaled events held in memory for the SQLite index before it reads them
    /// back from the journal instead.
    init(backend: AuditConfig.Backend, path: String, synchronous: AuditConfig.Synchronous, indexQueueBound: Int,
         segmentBytes: Int64 = AuditJournal.segmentBytes, logger: Logger) throws {
        self.path = path
        self.backend = backend
        self.logger = logger
        switch backend {
        case .sqlite:
            let tips = AuditChainTips()
            let sqlite = try SQLiteAuditBackend(path: path, synchronous: synchronous, tips: tips)
            // With `synchronous: full` every commit is fsynced: SQLite's WAL, overwritten in place,
            // syncs cheaper than a journal that grows (each of its fdatasyncs also commits the file
            // size), so commits go straight to SQLite through the writer thread, as before the journal
            // (measured with pgbench -S -c 8 on 2 cores: 10.1k TPS that way, 7.4–8.6k journaled).
            var journal: AuditJournal?
            do {
                journal = synchronous == .full ? nil : try AuditJournal(storePath: path, tips: tips, rotateAt: segmentBytes)
                // What processes that died left unindexed (under either setting).
                try sqlite.indexJournal(in: AuditJournal.directory(of: path), except: journal?.ownSegments ?? [], deadOnly: true)
            } catch {
                _ = journal?.close(indexed: true)
                try? sqlite.close()
                throw error as? AuditStoreError ?? AuditStoreError.cannotOpen(path: path, reason: "\(error)")
            }
            storage = sqlite
            self.journal = journal
            self.tips = tips
        case .jsonl:
            storage = try JSONLinesAuditBackend(path: path, synchronous: synchronous, logger: logger)
            journal = nil
            tips = nil
        }
        writer = GroupCommitWriter(backend: storage, journal: journal, maxQueuedJournaled: indexQueueBound, logger: logger)
    }

    public func sessionFinished(_ sessionID: String) { tips?.forget(sessionID) }

    public var budgetExceeded: String? { budget.reason }

    /// Why new statements are refused (nil: they are not).
    func setBudgetExceeded(_ reason: String?) { budget.set(reason) }

    /// Journals the events (durable when this returns) and queues them for the index.
    private func journaled(_ events: [AuditEvent], _ journal: AuditJournal) throws {
        try journaled(journal.tips.link(events), journal) { written in
            written == events.count ? events : Array(events.prefix(written))
        }
    }

    /// Journals the linked records and queues them for the index with their `events` (for
    /// subscribers; given how many were written, which after a write that failed part-way are the
    /// ones whose records were written whole: the statements are refused, but their records stand).
    private func journaled(_ linked: AuditChainTips.Linked, _ journal: AuditJournal,
                           events: (Int) -> [AuditEvent]?) throws {
        do {
            try journal.append(linked) { entries, positions in
                let written = entries.count == linked.entries.count ? linked.events : entries.reduce(0) { $0 + $1.count }
                writer.index(events(written), count: written, entries: entries, at: positions)
            }
        } catch {
            // The callers only refuse (their clients hear why, without file names): the operator
            // hears it here. Not for a store that is closing.
            if error != .closed {
                logger.error("audit journal write failed; the statements are refused",
                             metadata: ["events": "\(linked.events)", "error": "\(error)"])
            }
            throw error
        }
    }

    /// Before reading: this process's journaled events indexed, and other processes' unindexed tails.
    func catchUp() throws {
        guard let sqlite = storage as? SQLiteAuditBackend else { return }
        if journal != nil, let failed = writer.sync() { throw failed }
        try sqlite.indexJournal(in: AuditJournal.directory(of: path), except: journal?.ownSegments ?? [], deadOnly: false)
    }

    /// Returns once the event is committed; concurrent calls share commits. A journaled event is
    /// encoded and written here, on the caller's thread.
    public func record(_ event: AuditEvent) async throws {
        try await record(contentsOf: [event])
    }

    /// Commits the events in order, in the same transaction.
    public func record(contentsOf events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        if let journal { return try journaled(events, journal) }
        try await writer.submit(events)
    }

    /// Without a Task: journaled here (then `completion` runs here), or queued for the writer thread
    /// (`completion` runs there after the commit).
    public func record(_ events: [AuditEvent], completion: @escaping @Sendable ((any Error)?) -> Void) {
        guard !events.isEmpty else { return completion(nil) }
        guard let journal else { return writer.submit(events, .callback(completion)) }
        do {
            try journaled(events, journal)
            completion(nil)
        } catch {
            completion(error)
        }
    }

    /// On the calling thread, serialized with the writer thread's commits (event-loop callers that
    /// batch a whole loop tick's events themselves).
    public func recordNow(_ events: [AuditEvent]) throws {
        guard !events.isEmpty else { return }
        if let journal { return try journaled(events, journal) }
        try writer.commitNow(events)
    }

    /// Runs the writers encoded: journaled as they are (no `AuditEvent` is built unless a
    /// subscriber wants them, then on the index thread), else decoded and committed as events.
    public func recordNow(_ runs: [AuditEncodedRun]) throws {
        guard runs.contains(where: { $0.count > 0 }) else { return }
        // A run is one record: past a record's limits it would be journaled but never read back.
        if runs.contains(where: { $0.count > AuditEncodedRun.maxEvents }) {
            logger.error("audit run refused: more events than one record holds; the statements are refused",
                         metadata: ["limit": "\(AuditEncodedRun.maxEvents)"])
            throw AuditStoreError.io("a run of more than \(AuditEncodedRun.maxEvents) events is not one record")
        }
        guard let journal else { return try recordNow(try AuditEncodedRun.events(of: runs)) }
        try journaled(journal.tips.link(runs), journal) { _ in nil }
    }

    /// A JSON-lines commit, or a journaled SQLite one, is one write(2): cheapest on the loop. SQLite
    /// commits without a journal (`synchronous: full`) go through the writer thread, which batches
    /// every loop's events and keeps the loops off the disk.
    public var prefersCallerCommits: Bool { backend == .jsonl || journal != nil }

    /// The newest `limit` events matching, oldest first.
    public func search(_ query: AuditSearch) throws -> [AuditEvent] {
        try catchUp()
        return try storage.search(query)
    }

    /// Every event of the session, ordered by `ei` (what `play` prints).
    public func session(_ sid: String) throws -> [AuditEvent] {
        try catchUp()
        return try storage.session(sid)
    }

    /// A session's events as stored (JSON objects, in `ei` order): what `audit play` prints.
    public func sessionJSON(_ sid: String) throws -> [String] {
        try catchUp()
        return try storage.sessionJSON(sid)
    }

    /// Events committed from now on, by this process at once and by others within `pollInterval`.
    public func subscribe(pollInterval: Duration = .milliseconds(250)) throws -> AuditSubscription {
        let (inbox, continuation) = AsyncStream<AuditSignal>.makeStream(bufferingPolicy: .bufferingNewest(256))
        // Register before reading the cursor: an event committed in between is then either before the
        // cursor (not wanted) or delivered, never missed.
        let id = writer.addSubscriber(continuation)
        if id == nil { continuation.finish() }
        let cursor: Int64
        do {
            // What this process journaled before subscribing is indexed first, and the cursor read
            // after it: those events are not delivered, and a batch indexed without gathering its
            // events for subscribers (none were there yet) is never after the cursor.
            if journal != nil { writer.sync() }
            cursor = try storage.lastPosition()
        } catch {
            if let id { writer.removeSubscriber(id) }
            throw error
        }
        let ticker = Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: pollInterval) } catch { return }
                continuation.yield(.poll)
            }
        }
        let writer = self.writer
        return AuditSubscription(inbox: inbox, backend: storage, startCursor: cursor) {
            ticker.cancel()
            if let id { writer.removeSubscriber(id) }
        }
    }

    /// Commits what is queued, ends subscriptions and closes the file. Later `record`s throw `.closed`.
    public func close() throws {
        journal?.stopAppends()
        writer.close()
        if let journal, let sqlite = storage as? SQLiteAuditBackend {
            // Removed only once indexed; otherwise left for the next store to replay.
            try? sqlite.forget(journal.close(indexed: writer.journalIndexed))
        }
        try storage.close()
    }
}

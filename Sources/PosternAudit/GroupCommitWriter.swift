import Foundation
import Logging
import PosternCore

/// One thread owns the store's writes. Callers queue their events and suspend; the thread takes
/// everything queued so far, commits it as one transaction (one write, at most one fsync), resumes
/// every caller of that batch, and hands the committed events to subscribers. Under load batches
/// grow by themselves (whatever arrives during a commit rides the next one): the cost of a commit is
/// shared, while a lone caller waits for a single small commit.
///
/// A dedicated thread, not an actor: the commit blocks in SQLite and in write(2)/fsync, and must
/// not hold one of the few cooperative-pool threads (two on this kind of machine) while it does.
final class GroupCommitWriter: @unchecked Sendable {
    private struct Pending {
        /// The events (nil: journaled runs, decoded from their records only if a subscriber wants them).
        let events: [AuditEvent]?
        /// A journaled store's index entries (one per record), and where each ends in the journal
        /// (acknowledged already).
        var entries: [AuditIndexEntry] = []
        var positions: [AuditJournal.Position]?
        let waiter: Waiter?
    }

    /// Who is told when the batch commits: a suspended task, or a callback (event-loop callers).
    enum Waiter {
        case task(UnsafeContinuation<Void, any Error>)
        case callback(@Sendable ((any Error)?) -> Void)

        func resume(_ error: (any Error)?) {
            switch self {
            case .task(let c):
                if let error { c.resume(throwing: error) } else { c.resume() }
            case .callback(let f):
                f(error)
            }
        }
    }

    private let backend: any AuditBackend
    /// With a journal, commits here only index: the events were durable before they were queued.
    private let journal: (journal: AuditJournal, index: SQLiteAuditBackend)?
    /// A journaled batch failed to index: the journal's own segments are indexed from their files
    /// before the next batch (only this thread touches it).
    private var indexBehind = false
    private let logger: Logger
    // `condition` guards `queue`, `closing` and `finished`.
    private let condition = NSCondition()
    private var queue: [Pending] = []
    /// Journaled events queued for the index, and whether some were not queued (past the bound:
    /// the index then reads them back from the journal, so memory stays flat however far it lags).
    private var queuedJournaled = 0
    private var overflowed = false
    private let maxQueuedJournaled: Int
    /// Someone waits on a queued batch (a `submit` or `sync`): no reason to gather more.
    private var waiterQueued = false
    /// The index gathers journaled events for up to this long (or `gatherEvents`): each SQLite commit
    /// rewrites the pages it touched (each session's chunk, its session row and head, the chunk
    /// indexes), so a few events per commit cost nearly as much as many. Measured with 50 pipelined
    /// Redis clients: 10 ms / 1,000 events gave 80–97k SET/s, 50 ms / 10,000 gave 115–137k.
    /// Searches by this process wait for the batch (`sync`); tails see events up to this much later.
    static let gatherDelay: TimeInterval = 0.05
    static let gatherEvents = 10_000
    private var closing = false
    private var finished = false
    // `subscribersLock` guards `subscribers` and `nextSubscriberID`.
    private let subscribersLock = NSLock()
    private var subscribers: [UInt64: AsyncStream<AuditSignal>.Continuation] = [:]
    private var nextSubscriberID: UInt64 = 0
    // `appendLock` serializes appends (this thread's and `commitNow` callers') and guards `appendClosed`;
    // publishing under it keeps subscribers' signals in store order.
    private let appendLock = NSLock()
    private var appendClosed = false

    init(backend: any AuditBackend, journal: AuditJournal? = nil, maxQueuedJournaled: Int = 100_000, logger: Logger) {
        self.backend = backend
        self.maxQueuedJournaled = maxQueuedJournaled
        self.journal = journal.flatMap { j in (backend as? SQLiteAuditBackend).map { (j, $0) } }
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "postern-audit-writer"
        thread.start()
    }

    /// Returns once `events` are committed (or throws why not).
    func submit(_ events: [AuditEvent]) async throws {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            submit(events, .task(continuation))
        }
    }

    func submit(_ events: [AuditEvent], _ waiter: Waiter) {
        enqueue(Pending(events: events, positions: nil, waiter: waiter))
    }

    /// Journaled events, to be indexed (called in journal order): `count` of them, in records with
    /// `entries`, each ending at its `positions`; `events` themselves if at hand.
    func index(_ events: [AuditEvent]?, count: Int, entries: [AuditIndexEntry], at positions: [AuditJournal.Position]) {
        condition.lock()
        defer { condition.unlock() }
        // Woken only from idle or once enough is gathered: a wake-up per loop tick costs the loop a
        // futex call and the writer a context switch.
        let idle = queue.isEmpty && !overflowed
        if closing || queuedJournaled + count > maxQueuedJournaled {
            overflowed = true
        } else {
            queuedJournaled += count
            queue.append(Pending(events: events, entries: entries, positions: positions, waiter: nil))
        }
        if idle || overflowed || queuedJournaled >= Self.gatherEvents { condition.signal() }
    }

    /// Returns once everything queued before the call is committed: nil, or why it was not.
    @discardableResult
    func sync() -> (any Error)? {
        let done = DispatchSemaphore(value: 0)
        let outcome = SyncOutcome()
        enqueue(Pending(events: [], positions: nil, waiter: .callback { error in
            outcome.set(error)
            done.signal()
        }))
        done.wait()
        return outcome.get()
    }

    private func enqueue(_ pending: Pending) {
        condition.lock()
        if closing {
            condition.unlock()
            pending.waiter?.resume(AuditStoreError.closed)
            return
        }
        queue.append(pending)
        if pending.waiter != nil { waiterQueued = true }
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty, !overflowed, !closing { condition.wait() }
            if journal != nil {
                let deadline = Date(timeIntervalSinceNow: Self.gatherDelay)
                while !closing, !overflowed, !waiterQueued, queuedJournaled < Self.gatherEvents,
                      condition.wait(until: deadline) {}
            }
            if queue.isEmpty, !overflowed {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queue
            let reindex = overflowed
            queue.removeAll(keepingCapacity: true)
            queuedJournaled = 0
            overflowed = false
            waiterQueued = false
            condition.unlock()
            commit(batch, reindex: reindex)
        }
    }

    private func commit(_ batch: [Pending], reindex: Bool) {
        func events() -> [AuditEvent] { batch.flatMap { $0.events ?? [] } }
        /// The batch's events for subscribers; nil if a record did not decode whole.
        func journaledEvents() -> [AuditEvent]? {
            var out: [AuditEvent] = []
            for p in batch {
                guard let some = p.events ?? Self.decode(p.entries) else { return nil }
                out += some
            }
            return out
        }
        do {
            if let journal {
                // The events themselves only go to subscribers: with none (the proxy alone), they are
                // not gathered. A subscriber added meanwhile reads its cursor after this batch (its
                // `sync` queues behind it), so these events are before the cursor, not missed.
                try indexJournaled(hasSubscribers ? .some(journaledEvents()) : nil, entries: batch.map(\.entries),
                                   positions: batch.map { $0.positions ?? [] }, reindex: reindex, journal)
            } else {
                try append(events())
            }
            for p in batch { p.waiter?.resume(nil) }
        } catch {
            for p in batch { p.waiter?.resume(error) }
        }
    }

    /// `events`: nil when no one listens; `.some(nil)` when someone does but the events are not at
    /// hand (subscribers are then told to read the store).
    private func indexJournaled(_ events: [AuditEvent]??, entries: [[AuditIndexEntry]], positions: [[AuditJournal.Position]], reindex: Bool,
                                _ journal: (journal: AuditJournal, index: SQLiteAuditBackend)) throws {
        appendLock.lock()
        defer { appendLock.unlock() }
        if reindex { indexBehind = true }
        // A pass over this process's own segments indexes events no batch hands to subscribers.
        let filePass = indexBehind
        do {
            if indexBehind {
                try journal.index.indexOwnSegments(journal.journal)
                indexBehind = false
            }
            // Events the file pass above already indexed are skipped by their positions.
            let handed: [AuditEvent]? = events ?? nil
            let stored = try journal.index.append(handed, entries: entries, positions: positions)
            publish(stored)
            // Events indexed from the files (by the pass above, or by another process first) or not
            // at hand: subscribers read the store.
            if events != nil, filePass || stored.count != handed?.count { publishPoll() }
        } catch {
            indexBehind = true
            logger.error("audit indexing failed; the events are kept in the journal and indexed from it later",
                         metadata: ["events": "\(entries.joined().reduce(0) { $0 + $1.count })", "error": "\(error)"])
            throw AuditStoreError(error)
        }
        var ends: [String: Int64] = [:]
        for p in positions.joined() { ends[p.segment] = max(ends[p.segment] ?? 0, p.end) }
        for (segment, end) in ends { journal.journal.indexed(segment, upTo: end) }
    }

    /// Journaled records' events, for subscribers (records this process just wrote: they decode);
    /// nil if one does not, whole.
    private static func decode(_ entries: [AuditIndexEntry]) -> [AuditEvent]? {
        var out: [AuditEvent] = []
        for entry in entries {
            guard let events = AuditRecordLine.parse(entry.line)?.events, events.count == entry.count else { return nil }
            out += events
        }
        return out
    }

    /// Whether every journaled event is indexed (after `close`, whether the journal may go).
    var journalIndexed: Bool {
        appendLock.lock()
        defer { appendLock.unlock() }
        if indexBehind, let journal {
            indexBehind = (try? journal.index.indexOwnSegments(journal.journal)) == nil
        }
        return !indexBehind
    }

    /// Commits on the calling thread, between the writer thread's batches.
    func commitNow(_ events: [AuditEvent]) throws {
        try append(events)
    }

    private func append(_ events: [AuditEvent]) throws {
        appendLock.lock()
        defer { appendLock.unlock() }
        guard !appendClosed else { throw AuditStoreError.closed }
        do {
            publish(try backend.append(events))
        } catch {
            logger.error("audit commit failed", metadata: ["events": "\(events.count)", "error": "\(error)"])
            throw AuditStoreError(error)
        }
    }

    /// Stops taking events, commits what is queued, and ends every subscription.
    func close() {
        condition.lock()
        closing = true
        condition.signal()
        while !finished { condition.wait() }
        condition.unlock()
        appendLock.lock()
        appendClosed = true
        appendLock.unlock()
        subscribersLock.lock()
        let all = subscribers.values
        subscribers.removeAll()
        subscribersLock.unlock()
        for c in all { c.finish() }
    }

    // MARK: subscribers

    func addSubscriber(_ continuation: AsyncStream<AuditSignal>.Continuation) -> UInt64? {
        subscribersLock.lock()
        defer { subscribersLock.unlock() }
        condition.lock()
        let isClosing = closing
        condition.unlock()
        if isClosing { return nil }
        nextSubscriberID += 1
        subscribers[nextSubscriberID] = continuation
        return nextSubscriberID
    }

    func removeSubscriber(_ id: UInt64) {
        subscribersLock.lock()
        let c = subscribers.removeValue(forKey: id)
        subscribersLock.unlock()
        c?.finish()
    }

    private var hasSubscribers: Bool { subscribersLock.withLock { !subscribers.isEmpty } }

    private func publishPoll() {
        subscribersLock.lock()
        let all = Array(subscribers.values)
        subscribersLock.unlock()
        for c in all { c.yield(.poll) }
    }

    private func publish(_ stored: [StoredAuditEvent]) {
        guard !stored.isEmpty else { return }
        subscribersLock.lock()
        let all = Array(subscribers.values)
        subscribersLock.unlock()
        for c in all { c.yield(.committed(stored)) }
    }
}

/// An error handed from the writer thread to the thread waiting in `sync`.
private final class SyncOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func set(_ e: (any Error)?) { lock.lock(); error = e; lock.unlock() }
    func get() -> (any Error)? { lock.lock(); defer { lock.unlock() }; return error }
}

/// What a subscription's inbox receives: events this process committed, or a prompt to look for
/// events other processes committed.
enum AuditSignal: Sendable {
    case committed([StoredAuditEvent])
    case poll
}

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
        let events: [EncodedAuditEvent]
        let waiter: Waiter
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
    private let logger: Logger
    // `condition` guards `queue`, `closing` and `finished`.
    private let condition = NSCondition()
    private var queue: [Pending] = []
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

    init(backend: any AuditBackend, logger: Logger) {
        self.backend = backend
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "postern-audit-writer"
        thread.start()
    }

    /// Returns once `events` are committed (or throws why not).
    func submit(_ events: [EncodedAuditEvent]) async throws {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            submit(events, .task(continuation))
        }
    }

    func submit(_ events: [EncodedAuditEvent], _ waiter: Waiter) {
        condition.lock()
        if closing {
            condition.unlock()
            waiter.resume(AuditStoreError.closed)
            return
        }
        queue.append(Pending(events: events, waiter: waiter))
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty, !closing { condition.wait() }
            if queue.isEmpty {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [Pending]) {
        let events = batch.count == 1 ? batch[0].events : batch.flatMap(\.events)
        do {
            try append(events)
            for p in batch { p.waiter.resume(nil) }
        } catch {
            for p in batch { p.waiter.resume(error) }
        }
    }

    /// Commits on the calling thread, between the writer thread's batches.
    func commitNow(_ events: [EncodedAuditEvent]) throws {
        try append(events)
    }

    private func append(_ events: [EncodedAuditEvent]) throws {
        appendLock.lock()
        defer { appendLock.unlock() }
        guard !appendClosed else { throw AuditStoreError.closed }
        do {
            publish(try backend.append(events))
        } catch {
            logger.error("audit commit failed", metadata: ["events": "\(events.count)", "error": "\(error)"])
            throw error as? AuditStoreError ?? AuditStoreError.io(String(describing: error))
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

    private func publish(_ stored: [StoredAuditEvent]) {
        subscribersLock.lock()
        let all = Array(subscribers.values)
        subscribersLock.unlock()
        for c in all { c.yield(.committed(stored)) }
    }
}

/// What a subscription's inbox receives: events this process committed, or a prompt to look for
/// events other processes committed.
enum AuditSignal: Sendable {
    case committed([StoredAuditEvent])
    case poll
}

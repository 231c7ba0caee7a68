import NIOConcurrencyHelpers
import NIOCore
import PosternCore

/// Commits, once per event-loop tick, the audit events that every session on that loop gathered
/// during the tick, on the loop itself. NIO runs tasks after it has handled all the I/O that was
/// ready, so the statements of every client that sent one in the same wake-up share one commit, and
/// each is forwarded the moment it returns: no hop to a writer thread and back per statement.
final class TickCommitter {
    private let eventLoop: EventLoop
    private let store: any ImmediateAuditSink
    private var queued: [SessionAuditor] = []
    private var runs: [AuditEncodedRun] = []

    init(eventLoop: EventLoop, store: any ImmediateAuditSink) {
        self.eventLoop = eventLoop
        self.store = store
    }

    /// The auditor's pending events go into this tick's commit; it hears back via `tickCommitted`.
    func enqueue(_ auditor: SessionAuditor) {
        queued.append(auditor)
        guard queued.count == 1 else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.execute { bound.value.flush() }
    }

    private func flush() {
        let auditors = queued
        queued.removeAll(keepingCapacity: true)
        var failure: (any Error)?
        do {
            for auditor in auditors { auditor.drainPending(into: &runs) }
            try store.recordNow(runs)
        } catch {
            failure = error
        }
        runs.removeAll(keepingCapacity: true)
        for auditor in auditors { auditor.tickCommitted(failure) }
    }
}

/// One `TickCommitter` per event loop, for a store that can commit on the calling thread.
public final class TickCommitters: Sendable {
    private let store: any ImmediateAuditSink
    private let byLoop = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<TickCommitter>]>([:])

    init(store: any ImmediateAuditSink) { self.store = store }

    /// The loop's committer; called on that loop (once per session).
    func committer(on eventLoop: EventLoop) -> TickCommitter {
        let key = ObjectIdentifier(eventLoop)
        return byLoop.withLockedValue { all in
            if let existing = all[key] { return existing.value }
            let made = TickCommitter(eventLoop: eventLoop, store: store)
            all[key] = NIOLoopBound(made, eventLoop: eventLoop)
            return made
        }
    }
}

import NIOCore
import PosternCore

/// One session's audit trail, on the session's event loop: numbers events, holds the ones not
/// yet committed, and commits them in order, one batch at a time.
///
/// Statement events gate forwarding (the caller awaits the commit); results and other
/// after-the-fact events ride along with the next commit, or go on their own after a short
/// idle delay, so a statement costs one commit rather than two.
final class SessionAuditor {
    private(set) var info: SessionInfo
    private let sink: any SessionEventSink
    private let eventLoop: EventLoop
    private var nextIndex = 0
    private var pending: [SessionEvent] = []
    private var idleFlush: Scheduled<Void>?
    /// A commit in flight; the next waits for it, so the store sees events in session order.
    private(set) var committing = false
    private var waiters: [EventLoopPromise<Void>] = []
    /// The loop's per-tick committer, when the sink commits on the loop (looked up on the loop, at
    /// the first commit); `tickCommit` awaits it.
    private lazy var committer: TickCommitter? = sink.tickCommitters?.committer(on: eventLoop)
    private var tickCommit: EventLoopPromise<Void>?
    static let idleFlushDelay = TimeAmount.milliseconds(20)

    init(info: SessionInfo, sink: any SessionEventSink, eventLoop: EventLoop) {
        self.info = info
        self.sink = sink
        self.eventLoop = eventLoop
    }

    /// Commits in flight hold the auditor, so once it goes nothing more can be recorded for the
    /// session: the store may drop what it keeps per session (a session that was refused or broke
    /// off records no end event).
    deinit { sink.sessionFinished(info.id) }

    var hasPending: Bool { !pending.isEmpty }

    /// Why the sink refuses new statements now, if it does (`AuditSink.budgetExceeded`).
    var budgetExceeded: String? { sink.budgetExceeded }

    /// The statements appended and not yet committed that get a result (a query, an Execute, a
    /// FunctionCall: Parse, Bind and Close get none, as on the malformed path).
    var pendingStatements: [Int] {
        pending.compactMap { event in
            switch event.kind {
            case .query, .statement(.postgresExecute), .statement(.postgresFunction): event.index
            default: nil
            }
        }
    }

    /// Set from the client's StartupMessage, before the first event is committed.
    var clientApplication: String? {
        get { info.clientApplication }
        set { info.clientApplication = newValue }
    }

    /// When the client last sent a statement or command (wall nanoseconds): the idle clock.
    private(set) var lastClientActivity = ProxyClock.wallNanos()
    /// A successful db.session.start was recorded: whatever ends the session must record its end.
    private(set) var recordedStart = false

    /// Set before the upstream sign-in, so db.session.start records what was sent.
    var startupParameters: [String: String] {
        get { info.startupParameters }
        set { info.startupParameters = newValue }
    }

    /// Adds an event to the next commit and returns its index.
    @discardableResult
    func append(_ kind: SessionEvent.Kind, at time: Int64 = ProxyClock.wallNanos()) -> Int {
        if kind.isClientStatement { lastClientActivity = time }
        if case .start(nil) = kind { recordedStart = true }
        let index = nextIndex
        nextIndex += 1
        pending.append(SessionEvent(index: index, timeNanos: time, kind: kind))
        return index
    }

    /// Appends after-the-fact events and makes sure they are committed soon even if the session idles.
    func appendLater(_ kind: SessionEvent.Kind) {
        append(kind)
        if !committing { scheduleIdleFlush() }
    }

    /// Commits everything pending (after any commit in flight); the future completes on the loop
    /// once the sink has made the events durable.
    func commit() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        if committing {
            let promise = eventLoop.makePromise(of: Void.self)
            waiters.append(promise)
            return promise.futureResult
        }
        // A pending idle flush is left to fire: it finds nothing to do, which is cheaper than
        // cancelling and re-arming a timer on every statement.
        guard !pending.isEmpty else { return eventLoop.makeSucceededVoidFuture() }
        committing = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let promise = eventLoop.makePromise(of: Void.self)
        if let committer {
            tickCommit = promise
            committer.enqueue(self)
        } else {
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            sink.record(batch, of: info, completion: promise.completeCommit)
        }
        let done = promise.futureResult
        return done.always { _ in
            let auditor = bound.value
            auditor.committing = false
            let waiting = auditor.waiters
            auditor.waiters.removeAll()
            if !waiting.isEmpty {
                let next = auditor.commit()
                for w in waiting { next.cascade(to: w) }
            } else if auditor.hasPending {
                auditor.scheduleIdleFlush()
            }
        }
    }

    /// Everything pending, encoded as runs of the session's records (for the tick committer: events
    /// appended since `commit` ride along).
    func drainPending(into runs: inout [AuditEncodedRun]) {
        defer { pending.removeAll(keepingCapacity: true) }
        // Read once: a class's stored properties are copied (every field retained) at each access.
        let info = self.info
        let session = encodedSession
        var run = AuditEncodedRun(session: session)
        for event in pending {
            if run.isFull {
                runs.append(run)
                run = AuditEncodedRun(session: session)
            }
            if case .result(let r) = event.kind {
                run.append(index: Int64(event.index), time: event.timeNanos, result: AuditSessionSink.result(r, queryID: ""),
                           answering: Int64(r.statementIndex))
            } else {
                run.append(index: Int64(event.index), time: event.timeNanos,
                           details: AuditSessionSink.details(event.kind, session: info, time: AuditTime(nanoseconds: event.timeNanos)))
            }
        }
        if run.count > 0 { runs.append(run) }
    }

    /// The session's record header fields (id, cluster, user, database, origin: none of them
    /// changes once the session has an auditor), encoded once.
    private lazy var encodedSession = AuditSessionSink.encodedSession(info)

    func tickCommitted(_ error: (any Error)?) {
        guard let promise = tickCommit else { return }
        tickCommit = nil
        promise.completeCommit(error)
    }

    private func scheduleIdleFlush() {
        guard idleFlush == nil else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        idleFlush = eventLoop.scheduleTask(in: Self.idleFlushDelay) {
            let auditor = bound.value
            auditor.idleFlush = nil
            if auditor.hasPending, !auditor.committing { _ = auditor.commit() }
        }
    }
}

extension EventLoopPromise where Value == Void {
    /// A store's commit callback: nil when the events are durable, else why not.
    @Sendable func completeCommit(_ error: (any Error)?) {
        if let error { fail(error) } else { succeed(()) }
    }
}

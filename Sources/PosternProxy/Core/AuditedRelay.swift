import NIOCore

/// The relay's audit gate, the same for every engine: what one client read holds is audited in one
/// commit before any of it goes upstream. While the commit is pending, further client reads wait
/// in `stalled` (bounded: when it is full the client's socket is not read) and are processed in
/// order once it is done. A commit that fails sends nothing on and ends the session.
/// The engine frames and classifies (`processClient`, which calls `commitAudited` when it
/// appended events that gate what it read) and writes what a commit let through.
protocol AuditedRelay: ClosingSession {
    var awaitingAudit: Bool { get set }
    var stalled: StalledInput { get set }
    var upstreamNeedsFlush: Bool { get set }
    var clientNeedsFlush: Bool { get set }
    /// A client read before relay and before the upstream is opened: the engine's handshake.
    func handshakeRead(_ buffer: ByteBuffer)
    /// Frames and audits one client read.
    func processClient(_ buffer: ByteBuffer)
    /// The commit succeeded: writes upstream what it gated (the session may end here, as after
    /// PostgreSQL's Terminate).
    func forwardAudited()
    /// The commit failed: drops what it gated.
    func dropAudited()
    /// What the client is told happened instead when a commit fails.
    var auditFailureConsequence: String { get }
    /// Stalled reads may be processed (besides relaying with no commit pending).
    var mayDrain: Bool { get }
    /// After a successful commit and the drain (Redis ends a half-closed session here once all is answered).
    func afterCommit()
}

extension AuditedRelay {
    var mayDrain: Bool { true }

    func afterCommit() {}

    var clientReadAllowed: Bool {
        switch phase {
        case .handshake: return true
        case .connecting, .closed: return false
        case .relay: return !stalled.isFull && (upstream?.channel.isWritable ?? false)
        }
    }

    var upstreamReadAllowed: Bool { client?.channel.isWritable ?? false }

    func clientRead(_ buffer: ByteBuffer) {
        switch phase {
        case .handshake: handshakeRead(buffer)
        case .connecting: stalled.append(buffer)
        case .relay: if awaitingAudit { stalled.append(buffer) } else { processClient(buffer) }
        case .closed: return
        }
    }

    func clientReadComplete() {
        if upstreamNeedsFlush, !awaitingAudit {
            upstreamNeedsFlush = false
            upstream?.flush()
        }
    }

    func upstreamReadComplete() {
        if clientNeedsFlush {
            clientNeedsFlush = false
            client?.flush()
        }
    }

    func upstreamClosed() {
        guard phase != .closed else { return }
        upstreamReadComplete()
        end(reason: "the upstream server closed the connection", upstreamOpen: false)
    }

    /// Commits what `processClient` appended; reads wait until it is done.
    func commitAudited() {
        if let exceeded = auditor.budgetExceeded { return refuseOverBudget(exceeded) }
        awaitingAudit = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { result in bound.value.auditCommitted(result) }
    }

    private func auditCommitted(_ result: Result<Void, any Error>) {
        guard phase == .relay else { return }
        awaitingAudit = false
        if case .failure(let error) = result {
            dropAudited()
            return auditFailed(AuditRefusal(error, auditFailureConsequence))
        }
        forwardAudited()
        guard phase == .relay else { return }
        drainStalled()
        if !awaitingAudit, upstreamNeedsFlush {
            upstreamNeedsFlush = false
            upstream?.flush()
        }
        resumeClientReads()
        afterCommit()
    }

    /// The local audit backlog is at its budget (the shared store unreachable): what the read
    /// gated is recorded as refused, never sent, and the session ends; the client hears why once
    /// that is recorded. These records go past the budget: one per session, which then ends.
    private func refuseOverBudget(_ reason: String) {
        dropAudited()
        phase = .closed
        recordUnsent(auditor.pendingStatements, reason: reason)
        abandonOpenStatements(now: ProxyClock.monotonicNanos(), reason: "session ended: \(reason)")
        flushResults()
        auditor.append(.ended(reason: reason))
        goodbyeUpstream()
        let refusal = AuditRefusal(budget: reason, auditFailureConsequence)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { _ in
            bound.value.send(bound.value.auditError(refusal))
            bound.value.finish()
        }
    }

    /// Reads that arrived while a commit was pending (or before relay), in order.
    func drainStalled() {
        while phase == .relay, !awaitingAudit, mayDrain, let next = stalled.popFirst() {
            processClient(next)
        }
    }
}

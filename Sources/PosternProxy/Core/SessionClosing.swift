import NIOCore

/// Where a session is, whatever its engine.
enum SessionPhase: Equatable {
    /// The client's side of the handshake: the engine's own steps (PostgreSQL's startup and SCRAM,
    /// Redis's AUTH with the tunnel's secret).
    case handshake
    /// Opening the upstream (`OpeningSession`).
    case connecting
    case relay
    case closed
}

/// How every engine's session ends, in one order: what the client is told goes out only once
/// the audit says why (a refused start, a malformed message, the end), statements still waiting
/// for their reply are recorded as abandoned, and both sides close once pending writes are out.
/// The engine supplies its protocol's errors and its goodbye to the server.
protocol ClosingSession: RelaySession {
    /// An error as the engine's client reads it.
    associatedtype NativeError: Sendable
    var phase: SessionPhase { get set }
    /// Results gathered for the audit, recorded by `flushResults`.
    var results: [StatementResult] { get set }
    /// Moves every statement still waiting for its reply into `results`, as abandoned.
    func abandonOpenStatements(now: UInt64, reason: String)
    func send(_ error: NativeError)
    /// What `db.session.start` records of a refusal.
    func auditText(_ error: NativeError) -> String
    func malformedError(_ reason: String) -> NativeError
    func stopError(_ reason: SessionStopReason) -> NativeError
    func auditError(_ refusal: AuditRefusal) -> NativeError
    /// Tells the server the session is over, where the protocol has a way (PostgreSQL's Terminate).
    func goodbyeUpstream()
    /// Closes both channels once pending writes are out, and lets go of what the engine holds.
    func finish()
}

extension ClosingSession {
    /// Refuses the session before relay: the reason is audited (db.session.start, TDB00W) before
    /// the client is told, so a client that saw the error finds the event stored.
    func refuse(_ error: NativeError) {
        guard phase != .closed else { return }
        phase = .closed
        auditor.append(.start(error: auditText(error)))
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { _ in
            bound.value.send(error)
            bound.value.finish()
        }
    }

    /// A protocol violation from the client: audited as malformed (and as the end, if it was
    /// relaying), answered in the client's protocol, closed.
    func malformed(_ reason: String, prefix: [UInt8] = []) {
        guard phase != .closed else { return }
        let wasRelaying = phase == .relay
        phase = .closed
        abandonOpenStatements(now: ProxyClock.monotonicNanos(), reason: "session ended: \(reason)")
        flushResults()
        auditor.append(.malformed(reason: reason, prefix: prefix))
        if wasRelaying { auditor.append(.end) }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { _ in
            let session = bound.value
            session.send(session.malformedError(reason))
            session.goodbyeUpstream()
            session.finish()
        }
    }

    /// Ends a session that was relaying (or connecting): statements still open are recorded as
    /// abandoned, db.session.end is committed, the server is told (unless it is the one that
    /// left), both sides close.
    func end(reason: String, event: SessionEvent.Kind = .end, upstreamOpen: Bool = true) {
        guard phase != .closed else { return }
        // A session stopped while connecting, after its start was recorded, records its end too.
        let wasOpen = phase == .relay || (phase == .connecting && auditor.recordedStart)
        phase = .closed
        if wasOpen {
            abandonOpenStatements(now: ProxyClock.monotonicNanos(), reason: "session ended: \(reason)")
            flushResults()
            auditor.append(event)
        }
        if upstreamOpen { goodbyeUpstream() }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { _ in bound.value.finish() }
    }

    /// A record could not be written: nothing more is sent on, the client is told, both sides close.
    func auditFailed(_ refusal: AuditRefusal) {
        phase = .closed
        send(auditError(refusal))
        goodbyeUpstream()
        finish()
    }

    /// Postern ends the session: the client is told in its protocol, the end (and why) is audited.
    func stop(_ reason: SessionStopReason) -> EventLoopFuture<Void> {
        guard let client else { return eventLoop.makeSucceededVoidFuture() }
        if phase == .relay || phase == .connecting {
            send(stopError(reason))
            end(reason: reason.auditReason ?? "the proxy shut down", event: reason.endEvent)
        } else if phase != .closed {
            phase = .closed
            finish()
        }
        return client.channel.closeFuture
    }

    /// Statements audited but never sent (the read that held them ended in a malformed message):
    /// each gets a result that says so, so the trail does not show them as run.
    func recordUnsent(_ statements: [Int], reason: String) {
        for index in statements {
            results.append(StatementResult(statementIndex: index, tag: nil, rows: nil, durationNanos: 0,
                                           error: "not sent: \(reason)", sqlState: nil))
        }
    }

    func flushResults() {
        for result in results { auditor.appendLater(.result(result)) }
        results.removeAll(keepingCapacity: true)
    }
}

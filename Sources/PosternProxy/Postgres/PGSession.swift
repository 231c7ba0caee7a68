import Foundation
import NIOCore

/// One client connection through the PostgreSQL engine, from its first byte to its end. Lives on
/// the client channel's event loop; the upstream channel is opened on the same loop.
final class PGSession {
    enum Phase: Equatable {
        case startup, clientAuth, connecting, relay, closed
    }

    let context: ProxySessionContext
    let engine: PostgresEngine
    let eventLoop: EventLoop
    var client: ChannelHandlerContext?
    var upstream: ChannelHandlerContext?
    var phase = Phase.startup
    let auditor: SessionAuditor

    // Startup and client authentication.
    var inbound: ByteBuffer?
    var scram: SCRAMServerExchange?
    /// What goes upstream after `user` and `database` (`PGStartupParameters`).
    var upstreamParameters: [(String, String)] = []

    // Relay.
    var framer: PGFrontendFramer
    var tracker = PGBackendTracker()
    var ledger = PGStatementLedger()
    var forward: [ByteBuffer] = []
    var sentOps: [PendingOp] = []
    var results: [StatementResult] = []
    var awaitingAudit = false
    var terminateAfterForward = false
    var stalled = StalledInput()
    var upstreamNeedsFlush = false
    var clientNeedsFlush = false
    var clientReadPending = false
    var upstreamReadPending = false
    /// The BackendKeyData the client was given (the proxy's own, standing for the server's).
    var cancelKey: (pid: Int32, key: Int32)?
    var pendingSignIn: EventLoopFuture<PGUpstreamReady>?

    enum PendingOp {
        case statement(Int, PGStatementLedger.Kind)
        /// Parse, Bind, Close or Describe.
        case untracked
        case sync
        /// CopyDone or CopyFail.
        case copyEnd
    }

    init(context: ProxySessionContext, engine: PostgresEngine, eventLoop: EventLoop) {
        self.context = context
        self.engine = engine
        self.eventLoop = eventLoop
        framer = PGFrontendFramer(maxAuditedMessage: context.services.limits.maxAuditedMessage)
        let info = SessionInfo(id: UUID().uuidString.lowercased(), clusterName: context.services.clusterName,
                               route: context.route)
        auditor = SessionAuditor(info: info, sink: context.services.sink, eventLoop: eventLoop)
    }

    var route: Route { context.route }

    // MARK: - Read control

    var clientReadAllowed: Bool {
        switch phase {
        case .startup, .clientAuth: return true
        case .connecting, .closed: return false
        case .relay: return !stalled.isFull && (upstream?.channel.isWritable ?? false)
        }
    }

    var upstreamReadAllowed: Bool { client?.channel.isWritable ?? false }

    // MARK: - Client events

    func clientActive() {
        registerForShutdown()
    }

    func clientRead(_ buffer: ByteBuffer) {
        switch phase {
        case .startup, .clientAuth:
            var b = buffer
            if inbound == nil { inbound = b } else { inbound?.writeBuffer(&b) }
            processStartup()
        case .connecting:
            stalled.append(buffer)
        case .relay:
            if awaitingAudit {
                stalled.append(buffer)
            } else {
                processClient(buffer)
            }
        case .closed:
            return
        }
    }

    func clientReadComplete() {
        if upstreamNeedsFlush, !awaitingAudit {
            upstreamNeedsFlush = false
            upstream?.flush()
        }
    }

    func clientClosed() {
        guard phase != .closed else { return }
        end(reason: "the client disconnected", sendTerminate: true)
    }

    // MARK: - Refusals and the end

    /// Refuses the session before relay: the reason is audited (db.session.start, TDB00W) before
    /// the client is told, so a client that saw the error finds the event stored.
    func refuse(code: String, message: String) {
        guard phase != .closed else { return }
        phase = .closed
        auditor.append(.start(error: message))
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { _ in
            bound.value.sendFatal(code: code, message: message)
            bound.value.finish()
        }
    }

    /// A protocol error from the client: audited as malformed, answered with 08P01, session closed.
    func malformed(_ reason: String, prefix: [UInt8] = []) {
        guard phase != .closed else { return }
        let wasRelaying = phase == .relay
        phase = .closed
        auditor.append(.malformed(reason: reason, prefix: prefix))
        if wasRelaying { auditor.append(.end) }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { _ in
            let session = bound.value
            session.sendFatal(code: PGWire.SQLState.protocolViolation, message: "invalid message from the client: \(reason)")
            session.terminateUpstream()
            session.finish()
        }
    }

    func sendFatal(code: String, message: String) {
        guard let client else { return }
        var out = client.channel.allocator.buffer(capacity: 64 + message.utf8.count)
        out.writePGError(code: code, message: message)
        client.writeAndFlush(NIOAny(out), promise: nil)
    }

    /// Ends a session that was relaying (or connecting): results still open are recorded as
    /// abandoned, db.session.end is committed, Terminate goes upstream, both sides close.
    func end(reason: String, sendTerminate: Bool, event: SessionEvent.Kind = .end) {
        guard phase != .closed else { return }
        // A session stopped while connecting, after its start was recorded, records its end too.
        let wasOpen = phase == .relay || (phase == .connecting && auditor.recordedStart)
        phase = .closed
        if wasOpen {
            ledger.abandon(now: ProxyClock.monotonicNanos(), reason: "session ended: \(reason)", into: &results)
            flushResults()
            auditor.append(event)
        }
        if sendTerminate { terminateUpstream() }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { _ in bound.value.finish() }
    }

    func terminateUpstream() {
        guard let upstream else {
            pendingSignIn?.whenSuccess { ready in ready.channel.close(promise: nil) }
            return
        }
        var out = upstream.channel.allocator.buffer(capacity: 5)
        out.writePGMessage(PGFrontendMessage.terminate) { _ in }
        upstream.writeAndFlush(NIOAny(out), promise: nil)
    }

    /// Closes both channels once pending writes are out.
    func finish() {
        if let cancelKey { engine.cancelKeys.remove(pid: cancelKey.pid) }
        closeBothSides()
    }

    /// Postern ends the session: the client is told, the upstream gets Terminate, the end is audited.
    func stop(_ reason: SessionStopReason) -> EventLoopFuture<Void> {
        guard let client else { return eventLoop.makeSucceededVoidFuture() }
        if phase == .relay || phase == .connecting {
            let code = if case .idle = reason { PGWire.SQLState.idleSessionTimeout } else { PGWire.SQLState.adminShutdown }
            sendFatal(code: code, message: "terminating connection: \(reason.message)")
            end(reason: reason.auditReason ?? "the proxy shut down", sendTerminate: true, event: reason.endEvent)
        } else if phase != .closed {
            phase = .closed
            finish()
        }
        return client.channel.closeFuture
    }

    func flushResults() {
        for result in results { auditor.appendLater(.result(result)) }
        results.removeAll(keepingCapacity: true)
    }
}

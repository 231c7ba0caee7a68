import Foundation
import NIOCore

/// One client connection through the PostgreSQL engine, from its first byte to its end. Lives on
/// the client channel's event loop; the upstream channel is opened on the same loop.
final class PGSession {
    let context: ProxySessionContext
    let engine: PostgresEngine
    let eventLoop: EventLoop
    var client: ChannelHandlerContext?
    var upstream: ChannelHandlerContext?
    var phase = SessionPhase.handshake
    let auditor: SessionAuditor

    // Startup and client authentication.
    var inbound: ByteBuffer?
    /// The client was asked for SCRAM (after its StartupMessage); `scram` once it began.
    var awaitingSASL = false
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

    // MARK: - Client events

    func clientActive() {
        registerForShutdown()
    }

    func handshakeRead(_ buffer: ByteBuffer) {
        var b = buffer
        if inbound == nil { inbound = b } else { inbound?.writeBuffer(&b) }
        processStartup()
    }

    func clientClosed() {
        guard phase != .closed else { return }
        end(reason: "the client disconnected")
    }

    // MARK: - Refusals and the end

    func refuse(code: String, message: String) { refuse(PGFatal(code: code, message: message)) }

    func sendFatal(code: String, message: String) {
        guard let client else { return }
        var out = client.channel.allocator.buffer(capacity: 64 + message.utf8.count)
        out.writePGError(code: code, message: message)
        client.writeAndFlush(NIOAny(out), promise: nil)
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
}

/// A FATAL ErrorResponse: how a PostgreSQL client is told its session is refused or over.
struct PGFatal {
    let code: String
    let message: String
}

/// PostgreSQL's words for the shared ending (`ClosingSession`).
extension PGSession: ClosingSession {
    func send(_ error: PGFatal) { sendFatal(code: error.code, message: error.message) }

    func auditText(_ error: PGFatal) -> String { error.message }

    func malformedError(_ reason: String) -> PGFatal {
        PGFatal(code: PGWire.SQLState.protocolViolation, message: "invalid message from the client: \(reason)")
    }

    func stopError(_ reason: SessionStopReason) -> PGFatal {
        let code = if case .idle = reason { PGWire.SQLState.idleSessionTimeout } else { PGWire.SQLState.adminShutdown }
        return PGFatal(code: code, message: "terminating connection: \(reason.message)")
    }

    /// disk_full when the store's disk is, else a system error.
    func auditError(_ refusal: AuditRefusal) -> PGFatal {
        PGFatal(code: refusal.diskFull ? PGWire.SQLState.diskFull : PGWire.SQLState.systemError, message: refusal.message)
    }

    func abandonOpenStatements(now: UInt64, reason: String) {
        ledger.abandon(now: now, reason: reason, into: &results)
    }

    func goodbyeUpstream() { terminateUpstream() }

    func finish() {
        if let cancelKey { engine.cancelKeys.remove(pid: cancelKey.pid) }
        closeBothSides()
    }
}

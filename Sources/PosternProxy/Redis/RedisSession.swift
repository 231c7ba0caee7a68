import Foundation
import NIOCore
import PosternCore

/// One client connection through the Redis engine, from its first byte to its end. Lives on
/// the client channel's event loop; the upstream channel is opened on the same loop.
final class RedisSession {
    let context: ProxySessionContext
    let engine: RedisEngine
    let eventLoop: EventLoop
    var client: ChannelHandlerContext?
    var upstream: ChannelHandlerContext?
    /// `.handshake`: a tunnel client on TCP must AUTH with the tunnel's secret first.
    var phase = SessionPhase.handshake
    let auditor: SessionAuditor

    // Client side.
    var commands: RESPCommandParser
    var held: ByteBuffer?
    var stalled = StalledInput()
    var gate: any RedisCommandGate = AllowAllRedisCommands()
    /// CLIENT REPLY OFF / SKIP: the server answers nothing for these commands.
    var repliesOff = false
    var skipNextReply = false
    /// MULTI was sent; `transactionSpoiled` once Postern denied a command queued in it, so its EXEC
    /// aborts the whole transaction, as Redis does when it rejects a queued command itself.
    var inTransaction = false
    var transactionSpoiled = false

    // Relay.
    var replies = RESPScanner(limits: .streaming)
    /// The start of a server reply that may be one the client must not see (`Kind.spoiledExec`).
    var withheld: ByteBuffer?
    var ledger = RedisReplyLedger()
    var batch: [RedisReplyLedger.Entry] = []
    var forward: [ByteBuffer] = []
    var results: [StatementResult] = []
    var awaitingAudit = false
    var upstreamNeedsFlush = false
    var clientNeedsFlush = false
    var clientReadPending = false
    var upstreamReadPending = false
    var pendingSignIn: EventLoopFuture<Channel>?
    /// The client half-closed (`printf … | nc -N`): what it sent is still answered, then the end.
    var clientInputEnded = false

    init(context: ProxySessionContext, engine: RedisEngine, eventLoop: EventLoop) {
        self.context = context
        self.engine = engine
        self.eventLoop = eventLoop
        let limit = context.services.limits.maxAuditedMessage
        commands = RESPCommandParser(limits: RESPLimits(maxBulkLength: limit, maxAggregateLength: 1 << 20,
                                                        maxMessageLength: limit + 4096))
        let info = SessionInfo(id: UUID().uuidString.lowercased(), clusterName: context.services.clusterName,
                               route: context.route)
        auditor = SessionAuditor(info: info, sink: context.services.sink, eventLoop: eventLoop)
    }

    var route: Route { context.route }

    // MARK: - Client events

    func clientActive() {
        registerForShutdown()
        // Unix-socket peers were checked by uid at accept: nothing more is asked.
        if case .peerCredentials = context.clientAuthentication.kind { open() }
    }

    func handshakeRead(_ buffer: ByteBuffer) {
        hold(buffer)
        processAuth()
    }

    func hold(_ buffer: ByteBuffer) {
        if held == nil {
            held = buffer
        } else {
            var b = buffer
            held?.writeBuffer(&b)
        }
    }

    func clientClosed() {
        guard phase != .closed else { return }
        end(reason: "the client disconnected")
    }

    func clientInputClosed() {
        guard phase != .closed else { return }
        clientInputEnded = true
        endIfDrained()
    }

    /// After a half-close, the session ends once every command read has been answered (a
    /// command cut off by the close is dropped, as Redis drops it).
    func endIfDrained() {
        guard clientInputEnded else { return }
        switch phase {
        case .handshake: end(reason: "the client disconnected")
        case .relay where !awaitingAudit && stalled.isEmpty && batch.isEmpty && ledger.isEmpty:
            end(reason: "the client disconnected")
        default: return
        }
    }

    func sendError(_ line: String) {
        guard let client else { return }
        var out = client.channel.allocator.buffer(capacity: 8 + line.utf8.count)
        out.writeRedisError(line)
        client.writeAndFlush(NIOAny(out), promise: nil)
    }
}

/// Redis's words for the shared ending (`ClosingSession`): an error line, the text after `-`.
extension RedisSession: ClosingSession {
    func send(_ line: String) { sendError(line) }

    func auditText(_ line: String) -> String { line }

    func malformedError(_ reason: String) -> String { "ERR " + reason }

    func stopError(_ reason: SessionStopReason) -> String {
        let kind = if case .revoked = reason { "NOPERM" } else { "ERR" }
        return "\(kind) \(reason.message)"
    }

    func auditError(_ refusal: AuditRefusal) -> String { "ERR " + refusal.message }

    func abandonOpenStatements(now: UInt64, reason: String) {
        ledger.abandon(now: now, reason: reason, into: &results)
    }

    /// Nothing to say: the server drops the connection's state when it closes.
    func goodbyeUpstream() {}

    func finish() {
        if upstream == nil { pendingSignIn?.whenSuccess { $0.close(promise: nil) } }
        closeBothSides()
    }
}

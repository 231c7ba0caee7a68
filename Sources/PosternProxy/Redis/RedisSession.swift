import Foundation
import NIOCore
import PosternCore

/// One client connection through the Redis engine, from its first byte to its end. Lives on
/// the client channel's event loop; the upstream channel is opened on the same loop.
final class RedisSession {
    enum Phase: Equatable {
        /// A tunnel client on TCP must AUTH with the tunnel's secret first.
        case auth
        case connecting
        case relay
        case closed
    }

    let context: ProxySessionContext
    let engine: RedisEngine
    let eventLoop: EventLoop
    var client: ChannelHandlerContext?
    var upstream: ChannelHandlerContext?
    var phase = Phase.auth
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

    // MARK: - Read control

    var clientReadAllowed: Bool {
        switch phase {
        case .auth: return true
        case .connecting, .closed: return false
        case .relay: return !stalled.isFull && (upstream?.channel.isWritable ?? false)
        }
    }

    var upstreamReadAllowed: Bool { client?.channel.isWritable ?? false }

    // MARK: - Client events

    func clientActive() {
        registerForShutdown()
        // Unix-socket peers were checked by uid at accept: nothing more is asked.
        if case .peerCredentials = context.clientAuthentication.kind { open() }
    }

    func clientRead(_ buffer: ByteBuffer) {
        switch phase {
        case .auth:
            hold(buffer)
            processAuth()
        case .connecting:
            stalled.append(buffer)
        case .relay:
            if awaitingAudit { stalled.append(buffer) } else { processClient(buffer) }
        case .closed:
            return
        }
    }

    func hold(_ buffer: ByteBuffer) {
        if held == nil {
            held = buffer
        } else {
            var b = buffer
            held?.writeBuffer(&b)
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
        case .auth: end(reason: "the client disconnected")
        case .relay where !awaitingAudit && stalled.isEmpty && batch.isEmpty && ledger.isEmpty:
            end(reason: "the client disconnected")
        default: return
        }
    }

    // MARK: - Refusals and the end

    /// Refuses the session before relay: audited (db.session.start, TDB00W) before the client
    /// is told, then closed.
    func refuse(_ line: String) {
        guard phase != .closed else { return }
        phase = .closed
        auditor.append(.start(error: line))
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { _ in
            bound.value.sendError(line)
            bound.value.finish()
        }
    }

    /// A protocol violation from the client: `-ERR Protocol error…`, audited as malformed, closed
    /// (Redis closes such connections too).
    func malformed(_ error: RESPError, prefix: [UInt8]) {
        guard phase != .closed else { return }
        let wasRelaying = phase == .relay
        phase = .closed
        ledger.abandon(now: ProxyClock.monotonicNanos(), reason: "session ended: \(error)", into: &results)
        flushResults()
        auditor.append(.malformed(reason: error.description, prefix: prefix))
        if wasRelaying { auditor.append(.end) }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { _ in
            bound.value.sendError("ERR " + error.description)
            bound.value.finish()
        }
    }

    func sendError(_ line: String) {
        guard let client else { return }
        var out = client.channel.allocator.buffer(capacity: 8 + line.utf8.count)
        out.writeRedisError(line)
        client.writeAndFlush(NIOAny(out), promise: nil)
    }

    /// Ends a session: commands still waiting are recorded as abandoned, db.session.end is
    /// committed, both sides close.
    func end(reason: String, event: SessionEvent.Kind = .end) {
        guard phase != .closed else { return }
        // A session stopped while connecting, after its start was recorded, records its end too.
        let wasOpen = phase == .relay || (phase == .connecting && auditor.recordedStart)
        phase = .closed
        if wasOpen {
            ledger.abandon(now: ProxyClock.monotonicNanos(), reason: "session ended: \(reason)", into: &results)
            flushResults()
            auditor.append(event)
        }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { _ in bound.value.finish() }
    }

    /// Closes both channels once pending writes are out.
    func finish() {
        if upstream == nil { pendingSignIn?.whenSuccess { $0.close(promise: nil) } }
        closeBothSides()
    }

    /// Postern ends the session: the client is told, the end (and why) is audited.
    func stop(_ reason: SessionStopReason) -> EventLoopFuture<Void> {
        guard let client else { return eventLoop.makeSucceededVoidFuture() }
        if phase == .relay || phase == .connecting {
            let kind = if case .revoked = reason { "NOPERM" } else { "ERR" }
            sendError("\(kind) \(reason.message)")
            end(reason: reason.auditReason ?? "the proxy shut down", event: reason.endEvent)
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

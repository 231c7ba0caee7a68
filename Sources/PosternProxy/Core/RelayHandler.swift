import NIOCore

/// A proxy session with a client channel and an upstream channel, whatever its protocol.
protocol RelaySession: AnyObject, SendableMetatype {
    var context: ProxySessionContext { get }
    var eventLoop: EventLoop { get }
    var client: ChannelHandlerContext? { get set }
    var upstream: ChannelHandlerContext? { get set }
    var clientReadAllowed: Bool { get }
    var upstreamReadAllowed: Bool { get }
    var clientReadPending: Bool { get set }
    var upstreamReadPending: Bool { get set }
    func clientActive()
    func clientRead(_ buffer: ByteBuffer)
    func upstreamRead(_ buffer: ByteBuffer)
    func clientReadComplete()
    func upstreamReadComplete()
    func clientClosed()
    /// The client half-closed: it sends no more, but may still wait for replies.
    func clientInputClosed()
    func upstreamClosed()
    /// Postern ends the session: the client is told in its protocol, the end (and why) is audited.
    func stop(_ reason: SessionStopReason) -> EventLoopFuture<Void>
    /// The session's audit trail, whose statements also drive the idle clock.
    var auditor: SessionAuditor { get }
}

extension RelaySession {
    /// Joins the proxy's list of open sessions, so a shutdown or a revocation stops this one too,
    /// and arms the role's `max_session_ttl` and `client_idle_timeout`.
    func registerForShutdown() {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let loop = eventLoop
        let stop: SessionTracker.Stop = { reason in loop.flatSubmit { bound.value.stop(reason) } }
        let limits = context.authorizer.limits(for: context.route)
        var cancelTimers: (@Sendable () -> Void)?
        if limits != .none {
            let auditor = auditor
            cancelTimers = SessionWatch(limits: limits, eventLoop: eventLoop,
                                        lastActivity: { auditor.lastClientActivity },
                                        stop: { reason in _ = stop(reason) }).arm()
        }
        context.services.sessions.add(ObjectIdentifier(self), context: context, stop: stop, cancelTimers: cancelTimers)
    }

    /// Leaves the list and closes both channels once pending writes are out.
    func closeBothSides() {
        context.services.sessions.remove(ObjectIdentifier(self))
        for side in [client, upstream] {
            guard let side else { continue }
            let channel = side.channel
            side.writeAndFlush(NIOAny(ByteBuffer())).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Protocols whose clients end with a message of their own (PostgreSQL's Terminate) treat a
    /// half-close as the end.
    func clientInputClosed() { clientClosed() }

    func resumeClientReads() {
        if clientReadPending, clientReadAllowed {
            clientReadPending = false
            client?.read()
        }
    }

    func resumeUpstreamReads() {
        if upstreamReadPending, upstreamReadAllowed {
            upstreamReadPending = false
            upstream?.read()
        }
    }
}

/// One end of a session (the client's channel, or the upstream's once sign-in is done): hands
/// every event to the session, and lets it decide when to read more, so a slow peer or a pending
/// audit commit stops the other side instead of filling memory.
final class RelayHandler<Session: RelaySession>: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Side { case client, upstream }

    private let session: Session
    private let side: Side

    init(session: Session, side: Side) {
        self.session = session
        self.side = side
    }

    func handlerAdded(context: ChannelHandlerContext) {
        switch side {
        case .client:
            session.client = context
            // A connection handed over after it went active (the bastion service reads a request
            // line first) gets no channelActive: start the session now.
            if context.channel.isActive { session.clientActive() }
        case .upstream: session.upstream = context
        }
    }

    /// A context holds its handler, and the handler its session: the session lets go of the
    /// context when the pipeline drops it, or the three keep each other alive after the close.
    func handlerRemoved(context: ChannelHandlerContext) {
        switch side {
        case .client: session.client = nil
        case .upstream: session.upstream = nil
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        if side == .client { session.clientActive() }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch side {
        case .client: session.clientRead(unwrapInboundIn(data))
        case .upstream: session.upstreamRead(unwrapInboundIn(data))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switch side {
        case .client: session.clientReadComplete()
        case .upstream: session.upstreamReadComplete()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // A writable client lets the upstream be read again, and the other way round.
        switch side {
        case .client: session.resumeUpstreamReads()
        case .upstream: session.resumeClientReads()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent {
            if side == .client { session.clientInputClosed() } else { closed() }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // An ECONNRESET or a TLS close error on a closing connection is a normal close.
        closed()
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        switch side {
        case .client:
            if session.clientReadAllowed { context.read() } else { session.clientReadPending = true }
        case .upstream:
            if session.upstreamReadAllowed { context.read() } else { session.upstreamReadPending = true }
        }
    }

    private func closed() {
        switch side {
        case .client: session.clientClosed()
        case .upstream: session.upstreamClosed()
        }
    }
}

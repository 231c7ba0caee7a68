import NIOCore

/// One end of a Redis session (client, or upstream once signed in): hands events to the
/// session and lets it decide when to read, so a slow peer or a pending audit commit pushes
/// back instead of filling memory.
final class RedisSessionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Side { case client, upstream }

    private let session: RedisSession
    private let side: Side

    init(session: RedisSession, side: Side) {
        self.session = session
        self.side = side
    }

    func handlerAdded(context: ChannelHandlerContext) {
        switch side {
        case .client: session.client = context
        case .upstream: session.upstream = context
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
        switch side {
        case .client: session.resumeUpstreamReads()
        case .upstream: session.resumeClientReads()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { closed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
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

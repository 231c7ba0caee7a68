import NIOCore

/// The client channel's end of a session: hands everything to the session, and lets it decide
/// when to read more (so a slow upstream or a pending audit commit stops the client).
final class PGFrontendHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let session: PGSession

    init(session: PGSession) { self.session = session }

    func handlerAdded(context: ChannelHandlerContext) { session.client = context }

    func channelActive(context: ChannelHandlerContext) {
        session.clientActive()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session.clientRead(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) { session.clientReadComplete() }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        session.clientWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { session.clientClosed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        session.clientClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        session.clientClosed()
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if session.clientReadAllowed {
            context.read()
        } else {
            session.clientReadPending = true
        }
    }
}

/// The upstream channel's end of a session, installed once sign-in has finished.
final class PGBackendHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let session: PGSession

    init(session: PGSession) { self.session = session }

    func handlerAdded(context: ChannelHandlerContext) { session.upstream = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session.upstreamRead(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) { session.upstreamReadComplete() }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        session.upstreamWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { session.upstreamClosed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        session.upstreamClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // An ECONNRESET or TLS close error on a closing connection is a normal close.
        session.upstreamClosed()
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if session.upstreamReadAllowed {
            context.read()
        } else {
            session.upstreamReadPending = true
        }
    }
}

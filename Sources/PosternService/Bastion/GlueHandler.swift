import NIOCore

/// Joins two channels byte for byte, reading from one only while the other can take more (so a
/// slow side stops the fast one instead of filling memory), and passing half-closes along.
final class GlueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    /// Installs a glued pair on two channels of the same event loop and starts reading both.
    static func join(_ a: Channel, _ b: Channel) {
        let (x, y) = (GlueHandler(), GlueHandler())
        x.partner = y
        y.partner = x
        do {
            try a.pipeline.syncOperations.addHandler(x)
            try b.pipeline.syncOperations.addHandler(y)
        } catch {
            a.close(promise: nil)
            b.close(promise: nil)
            return
        }
        // The relay's accepted channel waits with autoRead off until the service has said yes;
        // from here on reads flow, paced by `read(context:)` below.
        for channel in [a, b] {
            if let options = channel.syncOptions {
                try? options.setOption(.autoRead, value: true)
            }
            channel.read()
        }
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    private func partnerWrite(_ data: NIOAny) { context?.write(data, promise: nil) }
    private func partnerFlush() { context?.flush() }
    private func partnerCloseOutput() { context?.close(mode: .output, promise: nil) }
    private func partnerClose() { context?.close(promise: nil) }
    private var partnerWritable: Bool { context?.channel.isWritable ?? false }

    private func partnerBecameWritable() {
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.partnerWrite(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerClose()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { partner?.partnerCloseOutput() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if partner?.partnerWritable ?? false {
            context.read()
        } else {
            pendingRead = true
        }
    }
}

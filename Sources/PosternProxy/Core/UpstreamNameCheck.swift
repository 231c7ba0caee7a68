import NIOCore
import NIOSSL
import NIOTLS

/// Sits right after the TLS handler of an upstream connection with verify-full: holds every write
/// until the handshake is done and the certificate names the server (`ServerName`), so nothing —
/// a password, a startup message — leaves before the check; on a mismatch the held writes fail,
/// the error goes down the pipeline and the connection closes.
final class UpstreamNameCheck: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    private let name: ServerName
    private var held: [(data: NIOAny, promise: EventLoopPromise<Void>?)] = []
    private var flushHeld = false
    private var passed = false

    init(name: ServerName) {
        self.name = name
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if passed { return context.write(data, promise: promise) }
        held.append((data, promise))
    }

    func flush(context: ChannelHandlerContext) {
        if passed { return context.flush() }
        flushHeld = true
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard !passed, case .handshakeCompleted? = event as? TLSUserEvent else {
            return context.fireUserInboundEventTriggered(event)
        }
        let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
        guard let certificate, name.isNamed(by: certificate) else {
            let error = UpstreamTLSError.nameMismatch(name)
            failHeld(error)
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        passed = true
        let writes = held
        held = []
        for write in writes { context.write(write.data, promise: write.promise) }
        if flushHeld { context.flush() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failHeld(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failHeld(ChannelError.ioOnClosedChannel)
    }

    private func failHeld(_ error: Error) {
        let writes = held
        held = []
        for write in writes { write.promise?.fail(error) }
    }
}

import Foundation
import NIOCore
import PosternAudit
import PosternCore
import PosternProxy

/// One operator connection to the service: peer credentials first, then one request line, then
/// the answer (and, for `connect`, the database protocol through the proxy engine, which takes
/// over the channel).
final class BastionConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State { case identifying, waitingForRequest, working, answered, handedOver }

    private let service: BastionService
    private var state = State.identifying
    private var pending: ByteBuffer?
    private var identity: BastionIdentity?
    /// Bytes a client may send after its request before the engine takes over.
    private static let maxEarlyBytes = 1 << 20
    /// A client that has not sent its request line by then is dropped (no slow-loris holding).
    static let requestTimeout = TimeAmount.seconds(10)
    private var timeout: Scheduled<Void>?
    /// How far the request buffer has been searched for its newline.
    private var scanned = 0

    init(service: BastionService) {
        self.service = service
    }

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: Self.requestTimeout) {
            let (handler, context) = bound.value
            if handler.state == .identifying || handler.state == .waitingForRequest {
                handler.fail("no request within \(Self.requestTimeout.nanoseconds / 1_000_000_000) s", context: context)
            }
        }
        PeerCredentials.uid(of: context.channel).whenComplete { result in
            let (handler, context) = bound.value
            guard case .success(let uid?) = result else {
                handler.fail("cannot tell who you are (no peer credentials)", context: context)
                return
            }
            handler.identity = BastionIdentity(uid: uid, config: handler.service.source.config)
            handler.state = .waitingForRequest
            handler.processRequest(context: context)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Once answered (or streaming a tail), nothing more is read from the client.
        guard state != .answered, state != .handedOver else { return }
        var bytes = unwrapInboundIn(data)
        if pending == nil { pending = bytes } else { pending?.writeBuffer(&bytes) }
        if state == .waitingForRequest {
            processRequest(context: context)
        } else if (pending?.readableBytes ?? 0) > Self.maxEarlyBytes {
            fail("too much data before the session started", context: context)
        }
    }

    private func processRequest(context: ChannelHandlerContext) {
        guard state == .waitingForRequest, let identity, var buffer = pending else { return }
        let view = buffer.readableBytesView
        guard let newline = view.dropFirst(scanned).firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = view.count
            if buffer.readableBytes > BastionWire.maxLine { fail("the request line is too long", context: context) }
            return
        }
        timeout?.cancel()
        let length = newline - buffer.readerIndex
        guard let line = buffer.readSlice(length: length) else { return }
        buffer.moveReaderIndex(forwardBy: 1)
        pending = buffer.readableBytes > 0 ? buffer : nil
        let request: BastionRequest
        do {
            request = try BastionWire.decode(BastionRequest.self, from: line.readableBytesView)
        } catch {
            return fail("the request is not one this service understands", context: context)
        }
        state = .working
        service.logger.info("request", metadata: ["login": "\(identity.login)", "uid": "\(identity.uid)",
                                                  "op": "\(request.op.rawValue)", "db": "\(TextSanitizer.escape(request.db ?? ""))"])
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let channel = context.channel
        switch request.op {
        case .connect:
            context.eventLoop.makeFutureWithTask { [service] in
                try await service.prepareConnect(request, identity: identity)
            }.whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let prepared): handler.handOver(prepared, context: context)
                case .failure(let error): handler.fail("\(error)", context: context)
                }
            }
        case .tail:
            do {
                let events = try service.tailStream(request, identity: identity)
                state = .answered
                pending = nil
                write(BastionReply(ok: true), context: context, close: false)
                let task = Task {
                    do {
                        for try await event in events {
                            // Teleport's JSON, and from a shared store the bastion the event came from (`postern_host`).
                            var line = event.host.isEmpty ? try event.event.jsonData() : try AuditJSON.encoder(pretty: false).encode(event)
                            line.append(UInt8(ascii: "\n"))
                            try await channel.writeAndFlush(ByteBuffer(bytes: line))
                        }
                    } catch {
                        // The reply said ok before the store was reached: the reason goes as a last line.
                        if let line = try? JSONEncoder().encode(["postern_error": "\(error)"]) {
                            try? await channel.writeAndFlush(ByteBuffer(bytes: line + [UInt8(ascii: "\n")]))
                        }
                    }
                    try? await channel.close()
                }
                channel.closeFuture.whenComplete { _ in task.cancel() }
            } catch {
                fail("\(error)", context: context)
            }
        default:
            context.eventLoop.makeFutureWithTask { [service] in
                await service.answer(request, identity: identity)
            }.whenSuccess { reply in
                let (handler, context) = bound.value
                handler.write(reply, context: context, close: true)
            }
        }
    }

    /// The engine takes the channel: the reply line goes first, then whatever the client already
    /// sent after its request is handed to the engine as if just read.
    private func handOver(_ prepared: BastionService.PreparedConnect, context: ChannelHandlerContext) {
        guard state == .working, context.channel.isActive else { return }
        write(prepared.reply, context: context, close: false)
        state = .handedOver
        let channel = context.channel
        let early = pending
        pending = nil
        do {
            try prepared.server.adopt(channel, context: prepared.context)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            if let early { channel.pipeline.syncOperations.fireChannelRead(NIOAny(early)) }
        } catch {
            channel.close(promise: nil)
        }
    }

    private func fail(_ message: String, context: ChannelHandlerContext) {
        guard state != .answered, state != .handedOver else { return }
        service.logger.notice("refused", metadata: ["login": "\(identity?.login ?? "?")", "reason": "\(message)"])
        write(.failure(message), context: context, close: true)
    }

    private func write(_ reply: BastionReply, context: ChannelHandlerContext, close: Bool) {
        let data = (try? BastionWire.encode(reply)) ?? Data(#"{"ok":false,"error":"the reply could not be encoded"}"#.utf8 + [10])
        let written = context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: data)))
        if close {
            state = .answered
            pending = nil
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

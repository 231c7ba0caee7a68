import Foundation
import NIOCore
import NIOPosix
import NIOSSL
@testable import PosternProxy

/// A loopback TLS stand-in for a PostgreSQL server that plays one sign-in script, for the sign-ins a
/// real server never attempts (an impostor's): AuthenticationOk in the middle of SCRAM, a SCRAM
/// final message before the exchange, a cleartext request of a SCRAM-only database. It speaks the
/// services' certificate (`localhost`, 127.0.0.1) and records every message the proxy sends it
/// after the StartupMessage.
final class StubPGServer: @unchecked Sendable {
    enum Script: Sendable {
        case askCleartext, askMD5, askNothing
        /// SCRAM up to our client-final, then AuthenticationOk without the server's signature.
        case scramOkBeforeFinal
        /// SCRAM's final message straight after our client-first, signed with the empty key a
        /// client has before the server's first message, then AuthenticationOk.
        case scramFinalBeforeContinue
    }

    let port: Int
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: Channel
    private let lock = NSLock()
    private var messages: [(type: UInt8, body: [UInt8])] = []

    init(_ script: Script, certificate: String, key: String) async throws {
        let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        // By name NIOSSL would read a `.key` file as DER; the services write PEM.
        let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        let tls = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain,
                                                                            privateKey: .privateKey(privateKey)))
        let box = Box()
        channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(StubPGHandler(script: script, tls: tls) { type, body in
                        box.server?.record(type, body)
                    })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw HarnessError("the stub server has no port") }
        self.port = port
        box.server = self
    }

    /// Messages received after the StartupMessage, in order.
    var received: [(type: UInt8, body: [UInt8])] { lock.withLock { messages } }

    private func record(_ type: UInt8, _ body: [UInt8]) { lock.withLock { messages.append((type, body)) } }

    func close() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    private final class Box: @unchecked Sendable { weak var server: StubPGServer? }
}

private final class StubPGHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase { case sslRequest, startup, messages }
    private let script: StubPGServer.Script
    private let tls: NIOSSLContext
    private let record: (UInt8, [UInt8]) -> Void
    private var phase = Phase.sslRequest
    private var buffer = ByteBuffer()
    private var passwordMessages = 0

    init(script: StubPGServer.Script, tls: NIOSSLContext, record: @escaping (UInt8, [UInt8]) -> Void) {
        self.script = script
        self.tls = tls
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        buffer.writeBuffer(&input)
        while let step = nextMessage() {
            switch phase {
            case .sslRequest:
                var yes = context.channel.allocator.buffer(capacity: 1)
                yes.writeInteger(UInt8(ascii: "S"))
                context.writeAndFlush(wrapOutboundOut(yes), promise: nil)
                try? context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
                phase = .startup
            case .startup:
                phase = .messages
                switch script {
                case .askCleartext: send(context, auth: 3)
                case .askMD5: send(context, auth: 5, [1, 2, 3, 4])
                case .askNothing: sendReady(context)
                case .scramOkBeforeFinal, .scramFinalBeforeContinue:
                    send(context, auth: 10, Array("SCRAM-SHA-256".utf8) + [0, 0])
                }
            case .messages:
                record(step.type, step.body)
                guard step.type == UInt8(ascii: "p") else { continue }
                passwordMessages += 1
                answer(context, step.body)
            }
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ body: [UInt8]) {
        switch script {
        case .askCleartext, .askMD5, .askNothing:
            sendReady(context)
        case .scramOkBeforeFinal where passwordMessages == 1:
            // client-first: mechanism, length, then "n,,n=,r=<nonce>".
            let text = String(decoding: body, as: UTF8.self)
            let nonce = text.components(separatedBy: "r=").last ?? ""
            let salt = Data(repeating: 7, count: 16).base64EncodedString()
            send(context, auth: 11, Array("r=\(nonce)stub,s=\(salt),i=4096".utf8))
        case .scramOkBeforeFinal:
            sendReady(context)
        case .scramFinalBeforeContinue:
            let signature = SCRAM.hmac(SCRAM.hmac([], Array("Server Key".utf8)), [])
            send(context, auth: 12, Array("v=\(Data(signature).base64EncodedString())".utf8))
            sendReady(context)
        }
    }

    /// The next message: the untyped startup-phase packets, then typed ones.
    private func nextMessage() -> (type: UInt8, body: [UInt8])? {
        let typed = phase == .messages
        let header = typed ? 5 : 4
        guard buffer.readableBytes >= header,
              let length = buffer.getInteger(at: buffer.readerIndex + (typed ? 1 : 0), as: Int32.self),
              length >= 4, buffer.readableBytes >= Int(length) + (typed ? 1 : 0)
        else { return nil }
        let type: UInt8 = typed ? (buffer.readInteger(as: UInt8.self) ?? 0) : 0
        buffer.moveReaderIndex(forwardBy: 4)
        let body = buffer.readBytes(length: Int(length) - 4) ?? []
        buffer.discardReadBytes()
        return (type, body)
    }

    private func send(_ context: ChannelHandlerContext, auth code: Int32, _ extra: [UInt8] = []) {
        var out = context.channel.allocator.buffer(capacity: 16 + extra.count)
        out.writePGMessage(UInt8(ascii: "R")) {
            $0.writeInteger(code)
            $0.writeBytes(extra)
        }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    private func sendReady(_ context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: 32)
        out.writePGAuthentication(.ok)
        out.writePGMessage(UInt8(ascii: "K")) {
            $0.writeInteger(Int32(4242))
            $0.writeInteger(Int32(99))
        }
        out.writePGMessage(UInt8(ascii: "Z")) { $0.writeInteger(UInt8(ascii: "I")) }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }
}

import NIOCore
import NIOTLS
import PosternCore

/// What a finished upstream sign-in hands to the relay.
struct PGUpstreamReady {
    let channel: Channel
    /// ParameterStatus messages, in the server's order, ready to pass to the client.
    let parameterStatus: ByteBuffer
    let backendPID: Int32
    let backendKey: Int32
}

/// Drives one upstream connection from TCP connect to ReadyForQuery: SSLRequest (an `N` is an
/// error, never a fallback), TLS, StartupMessage, then the one sign-in method the server asks for,
/// if the database's `PGSignInPolicy` allows it (cleartext, MD5, SCRAM-SHA-256 or none).
/// In `cancel` mode it sends a CancelRequest over TLS instead and waits for the server to close.
final class PGUpstreamSignInHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Mode: Sendable {
        case signIn(parameters: [(String, String)], login: UpstreamLogin, policy: PGSignInPolicy)
        case cancel(pid: Int32, key: Int32)
    }

    private enum State {
        case sslResponse, tlsHandshake, authenticating, awaitingReady, cancelSent, done
    }

    private let mode: Mode
    private let target: UpstreamTarget
    private let promise: EventLoopPromise<PGUpstreamReady?>
    private var state = State.sslResponse
    private var buffer: ByteBuffer?
    /// The method the server asked for; a server asks once (SCRAM then continues it).
    private var method: UpstreamAuthMethod?
    private var scram: SCRAMClientExchange?
    /// How far SCRAM got: AuthenticationOk counts only after the server's signature checked out.
    private var scramStep = SCRAMStep.notStarted
    private enum SCRAMStep { case notStarted, clientFirstSent, clientFinalSent, serverVerified }
    private var parameterStatus = ByteBuffer()
    private var backendPID: Int32 = 0
    private var backendKey: Int32 = 0

    init(mode: Mode, target: UpstreamTarget, promise: EventLoopPromise<PGUpstreamReady?>) {
        self.mode = mode
        self.target = target
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        var request = context.channel.allocator.buffer(capacity: 8)
        request.writeInteger(Int32(8))
        request.writeInteger(PGWire.sslRequestCode)
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        switch state {
        case .sslResponse:
            guard let answer = input.readInteger(as: UInt8.self) else { return }
            // Bytes after the answer would arrive unencrypted (CVE-2021-23222): refuse them.
            guard input.readableBytes == 0 else {
                return fail(context, PGUpstreamError(.protocolViolation, "the upstream server sent unencrypted data after its TLS answer"))
            }
            switch answer {
            case UInt8(ascii: "S"): startTLS(context)
            case UInt8(ascii: "N"):
                fail(context, PGUpstreamError(.cannotConnect, "the upstream server does not accept TLS; Postern never connects in plaintext"))
            default:
                fail(context, PGUpstreamError(.protocolViolation, "the upstream server answered the TLS request with an error"))
            }
        case .tlsHandshake, .done:
            return
        case .authenticating, .awaitingReady, .cancelSent:
            if buffer == nil { buffer = input } else { buffer?.writeBuffer(&input) }
            processMessages(context)
        }
    }

    private func startTLS(_ context: ChannelHandlerContext) {
        state = .tlsHandshake
        do {
            try context.pipeline.syncOperations.addHandlers(target.tls.clientHandlers(), position: .before(self))
        } catch {
            fail(context, PGUpstreamError(.cannotConnect, "cannot start TLS to the upstream server: \(error)"))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // With half-closure allowed, the server's close arrives as inputClosed, not channelInactive.
        if case .inputClosed? = event as? ChannelEvent {
            if state == .cancelSent { return finishCancel(context) }
            return fail(context, PGUpstreamError(.cannotConnect, "the upstream server closed the connection during sign-in"))
        }
        if case .handshakeCompleted? = event as? TLSUserEvent, state == .tlsHandshake {
            switch mode {
            case .signIn(let parameters, let login, _):
                state = .authenticating
                var startup = context.channel.allocator.buffer(capacity: 256)
                startup.writeInteger(Int32(0))
                startup.writeInteger(PGWire.protocolVersion3)
                startup.writeCString("user"); startup.writeCString(login.user)
                for (key, value) in parameters { startup.writeCString(key); startup.writeCString(value) }
                startup.writeInteger(UInt8(0))
                startup.setInteger(Int32(startup.readableBytes), at: 0)
                context.writeAndFlush(wrapOutboundOut(startup), promise: nil)
            case .cancel(let pid, let key):
                state = .cancelSent
                var cancel = context.channel.allocator.buffer(capacity: 16)
                cancel.writeInteger(Int32(16)); cancel.writeInteger(PGWire.cancelRequestCode)
                cancel.writeInteger(pid); cancel.writeInteger(key)
                context.writeAndFlush(wrapOutboundOut(cancel), promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func processMessages(_ context: ChannelHandlerContext) {
        while state != .done, var buf = buffer, buf.readableBytes >= 5 {
            guard let type = buf.getInteger(at: buf.readerIndex, as: UInt8.self),
                  let length = buf.getInteger(at: buf.readerIndex + 1, as: Int32.self)
            else { return }
            guard length >= 4, length <= 1 << 20 else {
                return fail(context, PGUpstreamError(.protocolViolation, "the upstream server sent a malformed message during sign-in"))
            }
            guard buf.readableBytes >= 1 + Int(length) else { return }
            buf.moveReaderIndex(forwardBy: 5)
            guard let body = buf.readSlice(length: Int(length) - 4) else { return }
            buffer = buf
            handle(context, type: type, body: body)
        }
    }

    private func handle(_ context: ChannelHandlerContext, type: UInt8, body: ByteBuffer) {
        switch type {
        case UInt8(ascii: "R"): authentication(context, body)
        case UInt8(ascii: "E"):
            let fields = PGErrorFields(body: body)
            let text = fields.message ?? "unknown error"
            fail(context, PGUpstreamError(sqlState: fields.code ?? PGWire.SQLState.cannotConnect,
                                          "upstream sign-in failed: \(text)"))
        case UInt8(ascii: "S"):
            guard state == .awaitingReady else { return unexpected(context) }
            var b = body
            parameterStatus.writePGMessage(type) { $0.writeBuffer(&b) }
        case UInt8(ascii: "K"):
            var b = body
            guard state == .awaitingReady, let pid = b.readInteger(as: Int32.self), let key = b.readInteger(as: Int32.self)
            else { return unexpected(context) }
            backendPID = pid
            backendKey = key
        case UInt8(ascii: "N"):
            return  // a NoticeResponse during startup: nothing the client needs
        case UInt8(ascii: "Z"):
            guard state == .awaitingReady else { return unexpected(context) }
            state = .done
            promise.succeed(PGUpstreamReady(channel: context.channel, parameterStatus: parameterStatus,
                                            backendPID: backendPID, backendKey: backendKey))
        default:
            unexpected(context)
        }
    }

    private func authentication(_ context: ChannelHandlerContext, _ body: ByteBuffer) {
        var b = body
        guard state == .authenticating, case .signIn(_, let login, let policy) = mode,
              let code = b.readInteger(as: Int32.self)
        else { return unexpected(context) }
        switch PGWire.Auth(rawValue: code) {
        case .ok:
            // A SCRAM exchange must end with the server's verified signature: an AuthenticationOk
            // before it comes from a server that never proved it knows the password.
            if method == .scramSHA256, scramStep != .serverVerified {
                return fail(context, PGUpstreamError(sqlState: PGWire.SQLState.invalidAuthorization,
                    "the upstream server ended SCRAM-SHA-256 sign-in without proving it knows the password "
                        + "(no verified server signature)"))
            }
            if method == nil, let refusal = policy.refusal(.trust) { return fail(context, refusal) }
            state = .awaitingReady
        case .cleartextPassword:
            guard begin(context, .password, policy) else { return }
            sendPassword(context, login.password)
        case .md5Password:
            guard let salt = b.readBytes(length: 4) else { return unexpected(context) }
            guard begin(context, .md5, policy) else { return }
            sendPassword(context, MD5Password.response(user: login.user, password: login.password, salt: salt))
        case .sasl:
            guard begin(context, .scramSHA256, policy) else { return }
            var mechanisms: [String] = []
            while let m = b.readCString(), !m.isEmpty { mechanisms.append(m) }
            guard mechanisms.contains(SCRAM.mechanism) else {
                return fail(context, PGUpstreamError(.authentication,
                    "the upstream server offers no sign-in Postern supports (\(mechanisms.joined(separator: ", ")))"))
            }
            let exchange = SCRAMClientExchange(password: login.password)
            scram = exchange
            scramStep = .clientFirstSent
            let first = Array(exchange.clientFirst.utf8)
            var out = context.channel.allocator.buffer(capacity: 64 + first.count)
            out.writePGMessage(UInt8(ascii: "p")) {
                $0.writeCString(SCRAM.mechanism)
                $0.writeInteger(Int32(first.count))
                $0.writeBytes(first)
            }
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        case .saslContinue:
            guard scramStep == .clientFirstSent, var exchange = scram else { return unexpected(context) }
            let serverFirst = b.readString(length: b.readableBytes) ?? ""
            do {
                let final = try exchange.respond(serverFirst: serverFirst)
                scram = exchange
                scramStep = .clientFinalSent
                var out = context.channel.allocator.buffer(capacity: 16 + final.utf8.count)
                out.writePGMessage(UInt8(ascii: "p")) { $0.writeString(final) }
                context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            } catch {
                fail(context, PGUpstreamError(.protocolViolation, "the upstream server's SCRAM message is malformed"))
            }
        case .saslFinal:
            // Only after our client-final: before it there is no key to check a signature against.
            guard scramStep == .clientFinalSent, let exchange = scram else { return unexpected(context) }
            do {
                try exchange.verify(serverFinal: b.readString(length: b.readableBytes) ?? "")
                scramStep = .serverVerified
            } catch {
                fail(context, PGUpstreamError(.authentication, "the upstream server failed SCRAM verification (it does not know the password)"))
            }
        case nil:
            fail(context, PGUpstreamError(.authentication,
                "the upstream server asks for an authentication method Postern does not support (code \(code))"))
        }
    }

    /// Starts the sign-in `asked` for, if the policy allows it and no method was asked before;
    /// otherwise fails the sign-in (nothing is sent) and returns false.
    private func begin(_ context: ChannelHandlerContext, _ asked: UpstreamAuthMethod, _ policy: PGSignInPolicy) -> Bool {
        guard method == nil else {
            unexpected(context)
            return false
        }
        if let refusal = policy.refusal(asked) {
            fail(context, refusal)
            return false
        }
        method = asked
        return true
    }

    private func sendPassword(_ context: ChannelHandlerContext, _ password: String) {
        var out = context.channel.allocator.buffer(capacity: 8 + password.utf8.count)
        out.writePGMessage(UInt8(ascii: "p")) { $0.writeCString(password) }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    private func unexpected(_ context: ChannelHandlerContext) {
        fail(context, PGUpstreamError(.protocolViolation, "the upstream server sent an unexpected message during sign-in"))
    }

    private func fail(_ context: ChannelHandlerContext, _ error: PGUpstreamError) {
        guard state != .done else { return }
        state = .done
        promise.fail(error)
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard state != .done else { return }
        if state == .cancelSent { return finishCancel(context) }
        fail(context, PGUpstreamError(.cannotConnect, UpstreamTLS.describe(error)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state == .cancelSent { return finishCancel(context) }
        fail(context, PGUpstreamError(.cannotConnect, "the upstream server closed the connection during sign-in"))
        context.fireChannelInactive()
    }

    private func finishCancel(_ context: ChannelHandlerContext) {
        state = .done
        promise.succeed(nil)
        context.close(promise: nil)
    }
}

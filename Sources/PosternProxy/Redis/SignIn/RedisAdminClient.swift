import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PosternCore

/// A small request/reply Redis client over TLS, for Postern's own calls (ACL SETUSER for managed
/// users, ACL CAT for the command policy, sign-in checks) — not for relaying clients. Replies
/// come back in order, one per command; arguments are never logged or put in errors, since
/// they carry passwords.
public final class RedisAdminClient: Sendable {
    public static let defaultTimeout: Duration = .seconds(10)

    private let channel: Channel
    private let timeout: Duration
    /// The connection's first failure, kept past the handler (which leaves with the closed
    /// pipeline), so a request written after a TLS refusal gets that reason at once.
    private let firstFailure: NIOLockedValueBox<RedisAdminError?>

    private init(channel: Channel, timeout: Duration, firstFailure: NIOLockedValueBox<RedisAdminError?>) {
        self.channel = channel
        self.timeout = timeout
        self.firstFailure = firstFailure
    }

    /// Connects over TLS (`target` from the database's `tls:`); the connect and each reply are
    /// bounded by `timeout`.
    public static func connect(to target: UpstreamTarget, on group: any EventLoopGroup,
                               timeout: Duration = defaultTimeout) async throws -> RedisAdminClient {
        let firstFailure = NIOLockedValueBox<RedisAdminError?>(nil)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(timeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        try target.tls.clientHandlers() + [RedisReplyHandler(firstFailure: firstFailure)])
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        } catch ChannelError.connectTimeout {
            throw RedisAdminError.timedOut("connecting to \(target.host):\(target.port)")
        } catch {
            throw RedisAdminError.cannotConnect("\(target.host):\(target.port): \(error)")
        }
        let client = RedisAdminClient(channel: channel, timeout: timeout, firstFailure: firstFailure)
        // TLS problems surface on the first exchange; PING makes them surface here.
        do {
            _ = try await client.send(["PING"])
        } catch {
            await client.close()
            throw error
        }
        return client
    }

    /// Connects and signs in as `user`; a refused AUTH closes the connection and is thrown.
    public static func signIn(to target: UpstreamTarget, on group: any EventLoopGroup, user: String, password: String,
                              timeout: Duration = defaultTimeout) async throws -> RedisAdminClient {
        let client = try await connect(to: target, on: group, timeout: timeout)
        do {
            try await client.authenticate(user: user, password: password)
        } catch {
            await client.close()
            throw error
        }
        return client
    }

    /// Sends one command and returns the reply (an error reply is returned, not thrown).
    public func send(_ argv: [String]) async throws -> RESPValue {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(RedisAdminError.timedOut("waiting for a reply"))
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        // A write the closed pipeline refuses never reaches the handler: fail the request here.
        let written = channel.eventLoop.makePromise(of: Void.self)
        let firstFailure = self.firstFailure
        written.futureResult.whenFailure { error in
            let reason = firstFailure.withLockedValue { $0 } ?? error as? RedisAdminError
                ?? .cannotConnect("the server: " + UpstreamTLS.describe(error))
            promise.fail(reason)
        }
        channel.writeAndFlush(RedisAdminRequest(bytes: RESPEncoder.command(argv), promise: promise), promise: written)
        return try await promise.futureResult.get()
    }

    /// Sends one command and requires `+OK`, else throws with the server's error text.
    public func expectOK(_ argv: [String]) async throws {
        let reply = try await send(argv)
        guard case .simpleString("OK") = reply else { throw RedisAdminError.refused(reply.errorText ?? reply.rendered()) }
    }

    /// `AUTH user password`; a refusal is thrown with the server's text (which never echoes the
    /// password).
    public func authenticate(user: String, password: String) async throws {
        try await expectOK(["AUTH", user, password])
    }

    public func close() async {
        try? await channel.close()
    }
}

extension RESPValue {
    /// The text of an error reply (`WRONGPASS invalid username-password pair…`), else nil.
    var errorText: String? {
        switch self {
        case .error(let text): return text
        case .attribute(_, let value): return value.errorText
        default: return nil
        }
    }
}

/// Why a Postern-side Redis call failed; never holds a password.
public enum RedisAdminError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotConnect(String)
    case timedOut(String)
    /// The server answered with an error (its text).
    case refused(String)
    case closed
    case protocolError(String)

    public var description: String {
        switch self {
        case .cannotConnect(let what): return "cannot connect to \(what)"
        case .timedOut(let what): return "timed out \(what)"
        case .refused(let text): return text
        case .closed: return "the server closed the connection"
        case .protocolError(let text): return "the server sent malformed RESP: \(text)"
        }
    }
}

struct RedisAdminRequest {
    var bytes: [UInt8]
    var promise: EventLoopPromise<RESPValue>
}

/// Encodes requests, parses replies with the RESP codec, and answers requests in order.
final class RedisReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisAdminRequest
    typealias OutboundOut = ByteBuffer

    private var parser = RESPParser()
    private let firstFailure: NIOLockedValueBox<RedisAdminError?>

    init(firstFailure: NIOLockedValueBox<RedisAdminError?>) {
        self.firstFailure = firstFailure
    }

    private var waiting: [EventLoopPromise<RESPValue>] = []
    private var waitingStart = 0
    /// The first failure: a request written after it (a TLS refusal can beat the first PING)
    /// gets that reason, not a later one such as the unclean close it caused.
    private var failure: RedisAdminError?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.promise.fail(failure)
            promise?.fail(failure)
            return
        }
        waiting.append(request.promise)
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: request.bytes)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            try parser.append(buffer.readableBytesView)
            while let value = try parser.next() {
                if case .push = value { continue }  // out-of-band (RESP3), not a reply
                guard waitingStart < waiting.count else {
                    throw RedisAdminError.protocolError("a reply nobody asked for")
                }
                let promise = waiting[waitingStart]
                waitingStart += 1
                if waitingStart == waiting.count {
                    waiting.removeAll(keepingCapacity: true)
                    waitingStart = 0
                }
                promise.succeed(value)
            }
        } catch {
            failAll(error as? RedisAdminError ?? .protocolError("\(error)"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(.cannotConnect("the server: " + UpstreamTLS.describe(error)))
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisAdminError) {
        if failure == nil {
            failure = error
            firstFailure.withLockedValue { if $0 == nil { $0 = error } }
        }
        let pending = waiting[waitingStart...]
        waiting.removeAll()
        waitingStart = 0
        for promise in pending { promise.fail(error) }
    }
}

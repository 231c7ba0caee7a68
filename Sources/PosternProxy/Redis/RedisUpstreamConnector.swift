import NIOCore
import NIOPosix
import PosternCore

/// Why the upstream sign-in failed, as the client is told (never holding the password).
enum RedisUpstreamError: Error, CustomStringConvertible {
    case cannotConnect(String)
    case timedOut(String)
    /// The server refused AUTH (its error line, e.g. `WRONGPASS …`).
    case refused(user: String, serverLine: String)
    case clusterMode(database: String)
    case protocolError(String)

    /// The error line sent after `-`.
    var clientLine: String {
        switch self {
        case .cannotConnect(let what): return "ERR cannot connect to the upstream server \(what)"
        case .timedOut(let what): return "ERR the upstream server \(what) did not finish sign-in in time"
        case .refused(let user, let line):
            let code = line.split(separator: " ").first.map(String.init) ?? "ERR"
            return (RedisEngine.isRedisCode(code) ? code : "ERR") + " upstream sign-in as \(user) was refused: " + line
        case .clusterMode(let db):
            return "ERR \(db) is a Redis Cluster (cluster mode) endpoint; Postern does not route MOVED/ASK across "
                + "shards yet: connect to a non-cluster endpoint"
        case .protocolError(let what): return "ERR the upstream server sent malformed RESP during sign-in: \(what)"
        }
    }

    var description: String { clientLine }

    /// The line for a client of `route`, with what to do about it where Postern knows: the IAM
    /// policy for a refused token, in-transit encryption for a sign-in that never finished.
    func clientLine(for route: Route) -> String {
        switch self {
        case .refused(_, let line) where route.database.auth == .iam && line.hasPrefix("WRONGPASS"):
            return RedisSignInHints.iamRefused(route: route, serverText: line)
        case .timedOut:
            return RedisSignInHints.connectTimedOut(database: route.database)
        default:
            return clientLine
        }
    }
}

/// Opens upstream connections on the client's event loop: TLS, `AUTH user password` and
/// `INFO cluster` pipelined (one round trip), refusing cluster-mode servers.
enum RedisUpstreamConnector {
    static let connectTimeout = TimeAmount.seconds(10)
    static let signInTimeout = TimeAmount.seconds(30)

    static func signIn(to target: UpstreamTarget, on eventLoop: EventLoop, login: RedisLogin,
                       database: String) -> EventLoopFuture<Channel> {
        let promise = eventLoop.makePromise(of: Channel.self)
        let address = "\(target.host):\(target.port)"
        let timeout = eventLoop.scheduleTask(in: signInTimeout) { promise.fail(RedisUpstreamError.timedOut(address)) }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        let user = login.user.isEmpty ? AccessChecker.defaultRedisUser : login.user
        let hello = RESPEncoder.command(["AUTH", user, login.password]) + RESPEncoder.command(["INFO", "cluster"])
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(try target.tls.clientHandlers() + [
                        RedisUpstreamSignInHandler(request: hello, user: user, database: database, promise: promise),
                    ])
                }
            }
        bootstrap.connect(host: target.host, port: target.port).whenComplete { result in
            switch result {
            case .success(let channel):
                promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
            case .failure(ChannelError.connectTimeout):
                promise.fail(RedisUpstreamError.timedOut(address))
            case .failure(let error):
                promise.fail(RedisUpstreamError.cannotConnect("\(address): \(error)"))
            }
        }
        return promise.futureResult
    }
}

/// Sends the sign-in and reads its two replies; succeeds with the channel, ready to relay.
final class RedisUpstreamSignInHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let request: [UInt8]
    private let user: String
    private let database: String
    private let promise: EventLoopPromise<Channel>
    private var parser = RESPParser(limits: RESPLimits(maxBulkLength: 1 << 20, maxMessageLength: 1 << 20))
    private var replies = 0

    init(request: [UInt8], user: String, database: String, promise: EventLoopPromise<Channel>) {
        self.request = request
        self.user = user
        self.database = database
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try parser.append(unwrapInboundIn(data).readableBytesView)
            while let value = try parser.next() {
                replies += 1
                if replies == 1 {
                    if case .error(let line) = value { return promise.fail(RedisUpstreamError.refused(user: user, serverLine: line)) }
                } else if case .bulkString(let info) = value,
                          String(decoding: info, as: UTF8.self).contains("cluster_enabled:1") {
                    return promise.fail(RedisUpstreamError.clusterMode(database: database))
                } else {
                    // An error here (INFO not permitted for this user) says nothing about cluster mode.
                    return promise.succeed(context.channel)
                }
            }
        } catch {
            promise.fail(RedisUpstreamError.protocolError("\(error)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(RedisUpstreamError.cannotConnect("\(database): the server closed the connection during sign-in"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(RedisUpstreamError.cannotConnect("\(database): \(UpstreamTLS.describe(error))"))
        context.close(promise: nil)
    }
}

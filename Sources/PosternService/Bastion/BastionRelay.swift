import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PosternCore
import PosternProxy

#if canImport(Glibc)
import Glibc
#endif

/// An operator's local end of a bastion session (`proxy db`, the console): it listens where the
/// operator's client can reach it, and relays each connection to the service, which knows the
/// operator by the relay's peer credentials. The relay holds no secret and checks no RBAC; it
/// only makes sure the local peer is the operator (Unix socket peer uid, or for loopback TCP the
/// socket's owner in /proc/net/tcp), so other users of the bastion cannot ride on it.
public final class BastionRelay: Sendable {
    public let client: BastionClient
    public let request: BastionRequest
    /// `postgres` or `redis`: the protocol refusals are spoken in.
    public let databaseProtocol: DatabaseProtocol
    private let group: MultiThreadedEventLoopGroup
    private let channels = NIOLockedValueBox<[Channel]>([])
    private let owner = UInt32(geteuid())

    public init(client: BastionClient, request: BastionRequest, databaseProtocol: DatabaseProtocol, threads: Int = 1) {
        self.client = client
        self.request = request
        self.databaseProtocol = databaseProtocol
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    }

    /// Listens on the session socket `<directory>/.s.PGSQL.<port>` (`SessionSocket`), private to
    /// this user (`bindSessionSocket`).
    public func listenUnix(directory: String, port: Int) async throws -> String {
        let (channel, path) = try await bootstrap { channel in PeerCredentials.uid(of: channel) }
            .bindSessionSocket(directory: directory, port: port)
        channels.withLockedValue { $0.append(channel) }
        return path
    }

    /// Listens on loopback TCP; a connection whose socket another uid owns is refused.
    public func listenTCP(port: Int) async throws -> Int {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let channel = try await bootstrap { channel in
            channel.eventLoop.makeSucceededFuture(LoopbackPeer.uid(local: channel.localAddress, remote: channel.remoteAddress))
        }.childChannelOption(.tcpOption(.tcp_nodelay), value: 1).bind(to: address).get()
        channels.withLockedValue { $0.append(channel) }
        return channel.localAddress?.port ?? port
    }

    /// Stops listening and ends relayed connections (the service audits each session's end).
    public func shutdown() async {
        let all = channels.withLockedValue { c in
            defer { c.removeAll() }
            return c
        }
        for channel in all { try? await channel.close() }
        try? await group.shutdownGracefully()
    }

    private func bootstrap(peer: @escaping @Sendable (Channel) -> EventLoopFuture<UInt32?>) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PeerGate(relay: self, peer: peer))
                }
            }
    }

    /// Once a local connection is up: relay it if its peer is the operator, else refuse it.
    fileprivate func admit(_ channel: Channel, peerUID: UInt32?) {
        guard peerUID == owner else {
            _ = refuse(channel, "this tunnel belongs to another user")
            return
        }
        relay(channel)
    }

    /// Connects to the service, sends the request, and glues the two channels once it says yes.
    private func relay(_ local: Channel) {
        let path = client.socketPath
        var withAddress = request
        withAddress.sshClient = client.sshConnection
        let sent = withAddress
        let reply = local.eventLoop.makePromise(of: BastionReply.self)
        ClientBootstrap(group: local.eventLoop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReplyLineHandler(reply: reply))
                }
            }
            .connect(unixDomainSocketPath: path)
            .flatMap { service -> EventLoopFuture<Channel> in
                guard let line = try? BastionWire.encode(sent) else {
                    return service.eventLoop.makeFailedFuture(BastionClientError("cannot encode the request"))
                }
                return service.writeAndFlush(ByteBuffer(bytes: line)).map { service }.flatMapError { error in
                    service.close(promise: nil)
                    return service.eventLoop.makeFailedFuture(error)
                }
            }
            .whenComplete { [self] result in
                switch result {
                case .failure(let error):
                    reply.fail(error)
                    _ = refuse(local, "the Postern service does not answer at \(path): \(error)")
                case .success(let service):
                    reply.futureResult.whenComplete { [self] outcome in
                        switch outcome {
                        case .success(let r) where r.ok:
                            GlueHandler.join(local, service)
                        case .success(let r):
                            service.close(promise: nil)
                            _ = refuse(local, r.error ?? "the service refused the session")
                        case .failure(let error):
                            service.close(promise: nil)
                            _ = refuse(local, "the service's answer is unreadable: \(error)")
                        }
                    }
                }
            }
    }

    /// Tells the local client, in its own protocol (its engine's refusal), why there is no
    /// session, and closes.
    private func refuse(_ channel: Channel, _ message: String) -> EventLoopFuture<Void> {
        let out = ProxyEngines.engineType(for: databaseProtocol).refusal(ClientRefusal(.rejected, message),
                                                                         allocator: channel.allocator)
        return channel.writeAndFlush(out).flatMap { channel.close() }.recover { _ in }
    }
}

/// Asks who the peer is once the connection is active (so a refusal can be written), then lets
/// the relay decide, and leaves the pipeline.
private final class PeerGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let relay: BastionRelay
    private let peer: @Sendable (Channel) -> EventLoopFuture<UInt32?>

    init(relay: BastionRelay, peer: @escaping @Sendable (Channel) -> EventLoopFuture<UInt32?>) {
        self.relay = relay
        self.peer = peer
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        let relay = relay
        context.fireChannelActive()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        peer(channel).whenComplete { result in
            relay.admit(channel, peerUID: (try? result.get()) ?? nil)
        }
    }
}

/// Reads the service's reply line, then leaves what follows it to the glue.
private final class ReplyLineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let reply: EventLoopPromise<BastionReply>
    private var buffer: ByteBuffer?
    private var done = false

    init(reply: EventLoopPromise<BastionReply>) { self.reply = reply }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !done else { return context.fireChannelRead(data) }
        if buffer == nil { buffer = bytes } else { buffer?.writeBuffer(&bytes) }
        guard var b = buffer, let newline = b.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if (buffer?.readableBytes ?? 0) > 1 << 20 { reply.fail(BastionClientError("the reply line is too long")) }
            return
        }
        guard let line = b.readSlice(length: newline - b.readerIndex) else { return }
        b.moveReaderIndex(forwardBy: 1)
        done = true
        buffer = nil
        do {
            reply.succeed(try BastionWire.decode(BastionReply.self, from: line.readableBytesView))
        } catch {
            reply.fail(error)
        }
        if b.readableBytes > 0 { context.fireChannelRead(NIOAny(b)) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { reply.fail(BastionClientError("the service closed the connection without answering")) }
        context.fireChannelInactive()
    }
}

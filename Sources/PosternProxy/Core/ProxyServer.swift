import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PosternCore

/// A bound listener: loopback TCP (tunnels) or a private Unix socket (in-process sessions).
public struct ProxyListener: Sendable {
    let channel: Channel
    /// The TCP port (the real one when 0 was asked for); nil for a Unix socket.
    public let port: Int?
    /// The Unix socket's path; nil for TCP.
    public let socketPath: String?

    public func close() async {
        try? await channel.close()
    }
}

public struct ProxyListenerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Accepts local clients and hands each to the engine of its route's protocol.
public final class ProxyServer: Sendable {
    public let services: ProxyServices
    private let group: EventLoopGroup
    private let registry: EngineRegistry
    private let listeners = NIOLockedValueBox<[ProxyListener]>([])

    public init(group: EventLoopGroup, services: ProxyServices, registry: EngineRegistry) {
        self.group = group
        self.services = services
        self.registry = registry
    }

    /// Listens on loopback TCP. Tunnel clients prove themselves with the context's secret.
    public func listenTCP(host: String = "127.0.0.1", port: Int, context: ProxySessionContext) async throws -> ProxyListener {
        guard let address = try? SocketAddress(ipAddress: host, port: port), Self.isLoopback(address) else {
            throw ProxyListenerError("tunnels listen on loopback only; \(host) is not a loopback address")
        }
        let engine = try engine(for: context)
        let channel = try await bootstrap { channel in
            engine.accept(channel, context: context)
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        .bind(to: address).get()
        let listener = ProxyListener(channel: channel, port: channel.localAddress?.port, socketPath: nil)
        listeners.withLockedValue { $0.append(listener) }
        return listener
    }

    /// Listens on the session socket `<directory>/.s.PGSQL.<port>` (`SessionSocket`), in a
    /// directory only the owner can enter; a peer whose uid is not ours is refused.
    public func listenUnix(directory: String, port: Int, context: ProxySessionContext) async throws -> ProxyListener {
        let engine = try engine(for: context)
        let owner = UInt32(geteuid())
        let (channel, path) = try await bootstrap { channel in
            PeerCredentials.uid(of: channel).map { uid in
                guard uid == owner else {
                    let refusal = type(of: engine).refusal(ClientRefusal(.notAuthorized, "this socket belongs to another user"),
                                                           allocator: channel.allocator)
                    channel.writeAndFlush(refusal).whenComplete { _ in channel.close(promise: nil) }
                    return
                }
                engine.accept(channel, context: context)
            }
        }
        .bindSessionSocket(directory: directory, port: port)
        let listener = ProxyListener(channel: channel, port: nil, socketPath: path)
        listeners.withLockedValue { $0.append(listener) }
        return listener
    }

    /// Hands an already accepted connection (the bastion service's, after its request line) to the
    /// engine of the context's protocol; call on the channel's event loop.
    public func adopt(_ channel: Channel, context: ProxySessionContext) throws {
        try engine(for: context).accept(channel, context: context)
    }

    /// Stops accepting, ends every session cleanly (Terminate upstream, db.session.end), and returns.
    public func shutdown() async {
        let open = listeners.withLockedValue { list in
            defer { list.removeAll() }
            return list
        }
        for listener in open { await listener.close() }
        try? await services.sessions.stopAll(on: group.next()).get()
    }

    private func engine(for context: ProxySessionContext) throws -> any ProxyEngine {
        guard let engine = registry.engine(for: context.route.database.protocol) else {
            throw ProxyListenerError("no proxy engine for \(context.route.database.protocol.rawValue) in this build")
        }
        return engine
    }

    private func bootstrap(_ initialize: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer(initialize)
    }

    static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let v4): return v4.address.sin_addr.s_addr.bigEndian >> 24 == 127
        case .v6: return address.ipAddress == "::1"
        default: return false
        }
    }
}

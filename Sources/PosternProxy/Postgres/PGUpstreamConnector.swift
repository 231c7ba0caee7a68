import NIOCore
import NIOPosix

/// Opens upstream connections on the client's event loop, so a session's two channels never
/// cross threads.
enum PGUpstreamConnector {
    static let connectTimeout = TimeAmount.seconds(10)
    static let signInTimeout = TimeAmount.seconds(30)

    static func signIn(to target: UpstreamTarget, on eventLoop: EventLoop, login: UpstreamLogin,
                       parameters: [(String, String)], policy: PGSignInPolicy) -> EventLoopFuture<PGUpstreamReady> {
        run(.signIn(parameters: parameters, login: login, policy: policy), target: target, on: eventLoop).flatMapThrowing { ready in
            guard let ready else { throw PGUpstreamError(.protocolViolation, "upstream sign-in ended without a session") }
            return ready
        }
    }

    /// Sends a CancelRequest for (pid, key) to the upstream server, over TLS as every connection.
    static func cancel(at target: UpstreamTarget, on eventLoop: EventLoop, pid: Int32, key: Int32) -> EventLoopFuture<Void> {
        run(.cancel(pid: pid, key: key), target: target, on: eventLoop).map { _ in () }
    }

    private static func run(_ mode: PGUpstreamSignInHandler.Mode, target: UpstreamTarget,
                            on eventLoop: EventLoop) -> EventLoopFuture<PGUpstreamReady?> {
        let promise = eventLoop.makePromise(of: PGUpstreamReady?.self)
        let timeout = eventLoop.scheduleTask(in: signInTimeout) {
            promise.fail(PGUpstreamError(.cannotConnect, "the upstream server did not finish sign-in in time"))
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        PGUpstreamSignInHandler(mode: mode, target: target, promise: promise))
                }
            }
        bootstrap.connect(host: target.host, port: target.port).whenComplete { result in
            switch result {
            case .success(let channel):
                // A sign-in that timed out or failed leaves no connection behind.
                promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
            case .failure(let error):
                promise.fail(PGUpstreamError(.cannotConnect,
                    "cannot connect to the upstream server \(target.host):\(target.port): \(error)"))
            }
        }
        return promise.futureResult
    }
}

import NIOCore
import PosternCore

/// Redis's parts of opening a session (the order is `OpeningSession`'s): cluster-mode endpoints
/// refused, the login and the session's command gate from the engine, the TLS sign-in.
extension RedisSession: OpeningSession {
    static var defaultPort: Int { RedisEngine.defaultPort }

    func refusalBeforeLogin() -> (any Error)? {
        guard let host = route.database.endpoint?.host, host.lowercased().hasPrefix("clustercfg.") else { return nil }
        return RedisUpstreamError.clusterMode(database: route.database.name)
    }

    func loginSource() -> @Sendable () async throws -> (RedisLogin, any RedisCommandGate) {
        let context = self.context
        let engine = self.engine
        return {
            let login = try await engine.logins.login(for: context.route)
            let gate = await engine.gates.gate(for: context.route, authorizer: context.authorizer)
            return (login, gate)
        }
    }

    func signIn(to target: UpstreamTarget, login: (RedisLogin, any RedisCommandGate)) -> EventLoopFuture<Channel> {
        gate = login.1
        return RedisUpstreamConnector.signIn(to: target, on: eventLoop, login: login.0, database: route.database.name)
    }

    func attach(_ channel: Channel, target: UpstreamTarget) throws {
        let pipeline = channel.pipeline.syncOperations
        if let signIn = try? pipeline.handler(type: RedisUpstreamSignInHandler.self) {
            pipeline.removeHandler(signIn, promise: nil)
        }
        try pipeline.addHandler(RedisSessionHandler(session: self, side: .upstream))
    }

    func discard(_ channel: Channel) { channel.close(promise: nil) }

    func openError(_ failure: OpenFailure) -> String {
        switch failure {
        case .denied(let reason): "ERR " + reason
        case .upstream(let error as RedisUpstreamError): error.clientLine(for: route)
        case .upstream(let error): "ERR " + "\(error)"
        }
    }

    func relayOpened(_ channel: Channel) {
        phase = .relay
        drainStalled()
        resumeClientReads()
        resumeUpstreamReads()
        endIfDrained()
    }
}

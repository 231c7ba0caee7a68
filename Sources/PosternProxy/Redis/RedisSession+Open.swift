import NIOCore
import PosternCore

/// From an authenticated client to a relaying session: RBAC, the upstream login and the
/// session's command gate, RBAC again right before the connect, TLS sign-in, session start.
extension RedisSession {
    func open() {
        let decision = context.authorizer.check(route)
        guard decision.allowed else { return refuse("ERR " + decision.reason) }
        if let host = route.database.endpoint?.host, host.lowercased().hasPrefix("clustercfg.") {
            return refuse(RedisUpstreamError.clusterMode(database: route.database.name).clientLine)
        }
        phase = .connecting
        let context = self.context
        let engine = self.engine
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.makeFutureWithTask { () async throws -> (RedisLogin, any RedisCommandGate) in
            let login = try await engine.logins.login(for: context.route)
            let gate = await engine.gates.gate(for: context.route, authorizer: context.authorizer)
            return (login, gate)
        }
        .whenComplete { result in
            let session = bound.value
            switch result {
            case .success(let (login, gate)):
                session.gate = gate
                session.connectUpstream(login)
            case .failure(let error):
                session.refuse("ERR " + "\(error)")
            }
        }
    }

    private func connectUpstream(_ login: RedisLogin) {
        guard phase == .connecting else { return }
        let decision = context.authorizer.check(route)
        guard decision.allowed else { return refuse("ERR " + decision.reason) }
        let target: UpstreamTarget
        do {
            target = try context.services.upstreamTarget(for: route.database, defaultPort: RedisEngine.defaultPort)
        } catch {
            return refuse("ERR " + "\(error)")
        }
        let signIn = RedisUpstreamConnector.signIn(to: target, on: eventLoop, login: login, database: route.database.name)
        pendingSignIn = signIn
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        signIn.whenComplete { result in
            let session = bound.value
            session.pendingSignIn = nil
            switch result {
            case .success(let channel): session.upstreamReady(channel)
            case .failure(let error as RedisUpstreamError): session.refuse(error.clientLine(for: session.route))
            case .failure(let error): session.refuse("ERR " + "\(error)")
            }
        }
    }

    private func upstreamReady(_ channel: Channel) {
        guard phase == .connecting else {
            // The client left while we signed in: leave nothing open upstream.
            channel.close(promise: nil)
            return
        }
        do {
            let pipeline = channel.pipeline.syncOperations
            if let signIn = try? pipeline.handler(type: RedisUpstreamSignInHandler.self) {
                pipeline.removeHandler(signIn, promise: nil)
            }
            try pipeline.addHandler(RedisSessionHandler(session: self, side: .upstream))
        } catch {
            channel.close(promise: nil)
            return refuse("ERR cannot set up the upstream connection: \(error)")
        }
        auditor.append(.start(error: nil))
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { result in
            let session = bound.value
            guard session.phase == .connecting else { return }
            switch result {
            case .failure(let error):
                session.phase = .closed
                session.sendError("ERR " + AuditRefusal(error, "the session was not started").message)
                session.finish()
            case .success:
                session.phase = .relay
                session.drainStalled()
                session.resumeClientReads()
                session.resumeUpstreamReads()
                session.endIfDrained()
            }
        }
    }
}

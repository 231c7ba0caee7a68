import NIOCore

/// From an authenticated client to a relaying session: RBAC, upstream credentials, RBAC again
/// right before the upstream connect, sign-in, then the proxy's own end of the handshake.
extension PGSession {
    func open() {
        let decision = context.authorizer.check(route)
        guard decision.allowed else {
            return refuse(code: PGWire.SQLState.invalidAuthorization, message: decision.reason)
        }
        phase = .connecting
        let context = self.context
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.makeFutureWithTask { try await context.services.credentials.login(for: context.route) }
            .whenComplete { result in
                let session = bound.value
                switch result {
                case .success(let login): session.connectUpstream(login)
                case .failure(let error): session.refuse(code: PGWire.SQLState.cannotConnect, message: "\(error)")
                }
            }
    }

    private func connectUpstream(_ login: UpstreamLogin) {
        guard phase == .connecting else { return }
        let decision = context.authorizer.check(route)
        guard decision.allowed else {
            return refuse(code: PGWire.SQLState.invalidAuthorization, message: decision.reason)
        }
        let target: UpstreamTarget
        do {
            target = try context.services.upstreamTarget(for: route.database, defaultPort: PostgresEngine.defaultPort)
        } catch {
            return refuse(code: PGWire.SQLState.cannotConnect, message: "\(error)")
        }
        // Recorded in db.session.start, whether the server then accepts the sign-in or not.
        auditor.startupParameters = Dictionary(upstreamParameters, uniquingKeysWith: { _, last in last })
        let signIn = PGUpstreamConnector.signIn(to: target, on: eventLoop, login: login,
                                                parameters: [("database", route.dbName)] + upstreamParameters,
                                                policy: PGSignInPolicy(route.database))
        pendingSignIn = signIn
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        signIn.whenComplete { result in
            let session = bound.value
            session.pendingSignIn = nil
            switch result {
            case .success(let ready): session.upstreamReady(ready, target: target)
            case .failure(let error as PGUpstreamError): session.refuse(code: error.sqlState, message: error.description)
            case .failure(let error): session.refuse(code: PGWire.SQLState.cannotConnect, message: "\(error)")
            }
        }
    }

    private func upstreamReady(_ ready: PGUpstreamReady, target: UpstreamTarget) {
        guard phase == .connecting else {
            // The client left while we signed in: leave nothing open upstream.
            var out = ready.channel.allocator.buffer(capacity: 5)
            out.writePGMessage(PGFrontendMessage.terminate) { _ in }
            ready.channel.writeAndFlush(out).whenComplete { _ in ready.channel.close(promise: nil) }
            return
        }
        do {
            let pipeline = ready.channel.pipeline.syncOperations
            try pipeline.addHandler(PGSessionHandler(session: self, side: .upstream))
            if let signIn = try? pipeline.handler(type: PGUpstreamSignInHandler.self) {
                pipeline.removeHandler(signIn, promise: nil)
            }
        } catch {
            ready.channel.close(promise: nil)
            return refuse(code: PGWire.SQLState.cannotConnect, message: "cannot set up the upstream connection: \(error)")
        }
        let visible = engine.cancelKeys.register(
            PGCancelTarget(upstream: target, pid: ready.backendPID, key: ready.backendKey, session: context))
        cancelPID = visible.pid
        auditor.append(.start(error: nil))
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { result in
            let session = bound.value
            guard session.phase == .connecting else { return }
            switch result {
            case .failure(let error):
                session.phase = .closed
                let refusal = AuditRefusal(error, "the session was not started")
                session.sendFatal(code: refusal.sqlState, message: refusal.message)
                session.terminateUpstream()
                session.finish()
            case .success:
                session.completeClientHandshake(ready, pid: visible.pid, key: visible.key)
            }
        }
    }

    /// The client never sees upstream authentication: it gets AuthenticationOk, the server's
    /// ParameterStatus, the proxy's own BackendKeyData, and ReadyForQuery.
    private func completeClientHandshake(_ ready: PGUpstreamReady, pid: Int32, key: Int32) {
        guard let client else { return }
        var out = client.channel.allocator.buffer(capacity: 32 + ready.parameterStatus.readableBytes)
        out.writePGAuthentication(.ok)
        var parameters = ready.parameterStatus
        out.writeBuffer(&parameters)
        out.writePGMessage(UInt8(ascii: "K")) {
            $0.writeInteger(pid)
            $0.writeInteger(key)
        }
        out.writePGMessage(UInt8(ascii: "Z")) { $0.writeInteger(UInt8(ascii: "I")) }
        client.writeAndFlush(NIOAny(out), promise: nil)
        phase = .relay
        drainStalled()
        resumeClientReads()
        resumeUpstreamReads()
    }
}

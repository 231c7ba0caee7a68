import NIOCore

/// PostgreSQL's parts of opening a session (the order is `OpeningSession`'s): the login from
/// `DatabaseSignIn`, the startup parameters recorded and sent upstream, the proxy's own cancel
/// key, and the client's end of the handshake once the start is recorded.
extension PGSession: OpeningSession {
    static var defaultPort: Int { PostgresEngine.defaultPort }

    func loginSource() -> @Sendable () async throws -> UpstreamLogin {
        let context = self.context
        return { try await context.services.credentials.login(for: context.route) }
    }

    func signIn(to target: UpstreamTarget, login: UpstreamLogin) -> EventLoopFuture<PGUpstreamReady> {
        // Recorded in db.session.start, whether the server then accepts the sign-in or not.
        auditor.startupParameters = Dictionary(upstreamParameters, uniquingKeysWith: { _, last in last })
        return PGUpstreamConnector.signIn(to: target, on: eventLoop, login: login,
                                          parameters: [("database", route.dbName)] + upstreamParameters,
                                          policy: PGSignInPolicy(route.database))
    }

    func attach(_ ready: PGUpstreamReady, target: UpstreamTarget) throws {
        let pipeline = ready.channel.pipeline.syncOperations
        try pipeline.addHandler(PGSessionHandler(session: self, side: .upstream))
        if let signIn = try? pipeline.handler(type: PGUpstreamSignInHandler.self) {
            pipeline.removeHandler(signIn, promise: nil)
        }
        cancelKey = engine.cancelKeys.register(
            PGCancelTarget(upstream: target, pid: ready.backendPID, key: ready.backendKey, session: context))
    }

    func discard(_ ready: PGUpstreamReady) {
        var out = ready.channel.allocator.buffer(capacity: 5)
        out.writePGMessage(PGFrontendMessage.terminate) { _ in }
        ready.channel.writeAndFlush(out).whenComplete { _ in ready.channel.close(promise: nil) }
    }

    func openError(_ failure: OpenFailure) -> PGFatal {
        switch failure {
        case .denied(let reason): PGFatal(code: PGWire.SQLState.invalidAuthorization, message: reason)
        case .upstream(let error as PGUpstreamError): PGFatal(code: error.sqlState, message: error.description)
        case .upstream(let error): PGFatal(code: PGWire.SQLState.cannotConnect, message: "\(error)")
        }
    }

    /// The client never sees upstream authentication: it gets AuthenticationOk, the server's
    /// ParameterStatus, the proxy's own BackendKeyData, and ReadyForQuery.
    func relayOpened(_ ready: PGUpstreamReady) {
        guard let client, let cancelKey else { return }
        var out = client.channel.allocator.buffer(capacity: 32 + ready.parameterStatus.readableBytes)
        out.writePGAuthentication(.ok)
        var parameters = ready.parameterStatus
        out.writeBuffer(&parameters)
        out.writePGMessage(UInt8(ascii: "K")) {
            $0.writeInteger(cancelKey.pid)
            $0.writeInteger(cancelKey.key)
        }
        out.writePGMessage(UInt8(ascii: "Z")) { $0.writeInteger(UInt8(ascii: "I")) }
        client.writeAndFlush(NIOAny(out), promise: nil)
        phase = .relay
        drainStalled()
        resumeClientReads()
        resumeUpstreamReads()
    }
}

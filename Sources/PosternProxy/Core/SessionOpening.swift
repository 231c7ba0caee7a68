import NIOCore

/// Why a session could not be opened, for its engine to word in its own protocol.
enum OpenFailure {
    /// RBAC said no (before the login, or again right before the connect).
    case denied(String)
    /// The engine refused before the login (`refusalBeforeLogin`), or there is no login, no
    /// upstream target, or the sign-in or its setup failed: the error's text is what the client
    /// sees (the engine may word its own errors better).
    case upstream(any Error)
}

/// The upstream channel's handlers could not be put in place.
struct UpstreamSetupError: Error, CustomStringConvertible {
    let underlying: any Error
    var description: String { "cannot set up the upstream connection: \(underlying)" }
}

/// A session that opens its upstream the way every engine must, in one order: RBAC; the upstream
/// login (the engine's source); RBAC again right before the connect, so a reload that took the
/// route away in between counts; the upstream target (always TLS); the engine's sign-in; its
/// handlers on the upstream channel; then `db.session.start`, committed before the client hears
/// the session is open. A failure at any step refuses the session, audited before the client is
/// told; a client that left during the sign-in leaves nothing open upstream.
/// The order lives here once; an engine supplies the protocol parts of each step.
protocol OpeningSession: ClosingSession {
    associatedtype Login: Sendable
    associatedtype Ready: Sendable
    /// The port used when a database's uri names none.
    static var defaultPort: Int { get }
    /// Refuses before the login, after the first RBAC check (nil: go on).
    func refusalBeforeLogin() -> (any Error)?
    /// The login, fetched off the event loop (a token may be minted or a secret read).
    func loginSource() -> @Sendable () async throws -> Login
    /// The engine's sign-in over TLS, on the session's event loop.
    func signIn(to target: UpstreamTarget, login: Login) -> EventLoopFuture<Ready>
    /// The sign-in under way, so the session's end can close what it opens.
    var pendingSignIn: EventLoopFuture<Ready>? { get set }
    /// Puts the engine's handlers on the signed-in upstream channel.
    func attach(_ ready: Ready, target: UpstreamTarget) throws
    /// Closes a signed-in upstream the session no longer wants.
    func discard(_ ready: Ready)
    /// What the client reads when the session cannot be opened.
    func openError(_ failure: OpenFailure) -> NativeError
    /// The start is recorded: the client hears the session is open, and relay begins.
    func relayOpened(_ ready: Ready)
}

extension OpeningSession {
    func refusalBeforeLogin() -> (any Error)? { nil }

    /// Opens the upstream for an authenticated client.
    func open() {
        let decision = context.authorizer.check(context.route)
        guard decision.allowed else { return refuse(openError(.denied(decision.reason))) }
        if let error = refusalBeforeLogin() { return refuse(openError(.upstream(error))) }
        phase = .connecting
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.makeFutureWithTask(loginSource()).whenComplete { result in
            let session = bound.value
            switch result {
            case .success(let login): session.connectUpstream(login)
            case .failure(let error): session.refuse(session.openError(.upstream(error)))
            }
        }
    }

    private func connectUpstream(_ login: Login) {
        guard phase == .connecting else { return }
        let decision = context.authorizer.check(context.route)
        guard decision.allowed else { return refuse(openError(.denied(decision.reason))) }
        let target: UpstreamTarget
        do {
            target = try context.services.upstreamTarget(for: context.route.database, defaultPort: Self.defaultPort)
        } catch {
            return refuse(openError(.upstream(error)))
        }
        let signIn = signIn(to: target, login: login)
        pendingSignIn = signIn
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        signIn.whenComplete { result in
            let session = bound.value
            session.pendingSignIn = nil
            switch result {
            case .success(let ready): session.upstreamReady(ready, target: target)
            case .failure(let error): session.refuse(session.openError(.upstream(error)))
            }
        }
    }

    private func upstreamReady(_ ready: Ready, target: UpstreamTarget) {
        // The client left while we signed in: leave nothing open upstream.
        guard phase == .connecting else { return discard(ready) }
        do {
            try attach(ready, target: target)
        } catch {
            discard(ready)
            return refuse(openError(.upstream(UpstreamSetupError(underlying: error))))
        }
        auditor.append(.start(error: nil))
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        auditor.commit().whenComplete { result in
            let session = bound.value
            guard session.phase == .connecting else { return }
            switch result {
            case .failure(let error): session.auditFailed(AuditRefusal(error, "the session was not started"))
            case .success: session.relayOpened(ready)
            }
        }
    }
}

import Foundation
import NIOConcurrencyHelpers
import PosternAudit
import PosternCore
import PosternProxy

/// The answers to operators' requests. Every one starts from the peer's identity under the
/// current config; nothing in a request names who asks.
extension BastionService {
    func answer(_ request: BastionRequest, identity: BastionIdentity) async -> BastionReply {
        do {
            switch request.op {
            case .whoami: return try whoami(identity)
            case .console: return try console(identity)
            case .list: return try list(request, identity: identity)
            case .explain: return try explain(request, identity: identity)
            case .search: return try await search(request, identity: identity)
            case .verify: return try await verify(request, identity: identity)
            case .tail, .connect: return .failure("\(request.op.rawValue) is not answered this way")
            }
        } catch let e as BastionServiceError {
            return .failure(e.description)
        } catch {
            return .failure("\(error)")
        }
    }

    /// The user's checker under the current config, or why they get nothing.
    func checker(_ identity: BastionIdentity) throws -> (PosternUser, AccessChecker) {
        let config = source.config
        guard let user = config.user(named: identity.login) else { throw BastionServiceError(identity.notAUserMessage) }
        do {
            return (user, try config.accessChecker(for: user))
        } catch {
            throw BastionServiceError(error.description)
        }
    }

    private func whoami(_ identity: BastionIdentity) throws -> BastionReply {
        var reply = BastionReply(ok: true)
        let config = source.config
        let checker = try? checker(identity).1
        reply.whoami = Whoami(user: checker?.user.name ?? "", login: identity.login, uid: identity.uid,
                              roles: checker?.user.roles ?? [], readsAllAudit: checker?.readsAllAudit ?? false,
                              cluster: config.clusterName)
        reply.whoami?.deployment = Whoami.Deployment(
            configPath: config.path, configOwnerUID: source.current.ownerUID, configMode: BastionDeployment.mode(config.path),
            storePath: store.path, secretFiles: BastionDeployment.secretFiles(config), socket: config.serve.socket)
        return reply
    }

    private func console(_ identity: BastionIdentity) throws -> BastionReply {
        let (user, checker) = try checker(identity)
        let config = source.config
        let roles: [Role]
        do {
            roles = try config.roles(for: user)
        } catch {
            throw BastionServiceError(error.description)
        }
        var reply = BastionReply(ok: true)
        reply.console = ConsoleView(cluster: config.clusterName, user: user, roles: roles,
                                    databases: config.databases.filter(checker.canSee))
        return reply
    }

    private func list(_ request: BastionRequest, identity: BastionIdentity) throws -> BastionReply {
        let (_, checker) = try checker(identity)
        let query: DatabaseQuery
        do {
            query = try DatabaseQuery(labels: request.labels, search: request.search)
        } catch {
            throw BastionServiceError(error.description)
        }
        var reply = BastionReply(ok: true)
        reply.databases = DatabaseListing.list(source.config.databases, checker: checker, query: query)
        return reply
    }

    private func explain(_ request: BastionRequest, identity: BastionIdentity) throws -> BastionReply {
        let (_, checker) = try checker(identity)
        let db = try visibleDatabase(request.db, checker: checker)
        var reply = BastionReply(ok: true)
        reply.decision = checker.check(db, dbUser: request.dbUser ?? "", dbName: request.dbName ?? "")
        reply.protocol = db.protocol.rawValue
        return reply
    }

    /// A database the user may see; others are "not found", so their names do not leak.
    func visibleDatabase(_ name: String?, checker: AccessChecker) throws -> Database {
        guard let name, let db = source.config.databases.first(where: { $0.name == name }), checker.canSee(db) else {
            throw BastionServiceError("database \"\(name ?? "")\" not found")
        }
        return db
    }

    /// Operators read their own events; a role's audit rule (or the `auditor` preset) reads all.
    func scopedSearch(_ query: AuditQuery?, identity: BastionIdentity) throws -> AuditSearch {
        let (user, checker) = try checker(identity)
        let q = query ?? AuditQuery()
        var types = Set<AuditEventType>()
        for t in q.types {
            guard let type = AuditEventType(rawValue: t) else { throw BastionServiceError("unknown event type \"\(t)\"") }
            types.insert(type)
        }
        var who = q.user
        if !checker.readsAllAudit {
            if let asked = q.user, asked != user.name {
                throw BastionServiceError("you may read only your own audit events (user \(user.name)); reading others' needs a role with an audit rule, such as the auditor preset")
            }
            who = user.name
        }
        guard (1...100_000).contains(q.limit) else { throw BastionServiceError("the limit must be between 1 and 100000") }
        return AuditSearch(since: q.since.map(AuditTime.init(nanoseconds:)), until: q.until.map(AuditTime.init(nanoseconds:)),
                           types: types, user: who, database: q.db, sessionID: q.sid, limit: q.limit)
    }

    /// Blocking work (libpq) on a thread of its own, awaited without holding a cooperative thread.
    static func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            let thread = Thread { done.resume(with: Result { try body() }) }
            thread.name = name
            thread.start()
        }
    }

    private func search(_ request: BastionRequest, identity: BastionIdentity) async throws -> BastionReply {
        let query = try scopedSearch(request.audit, identity: identity)
        var reply = BastionReply(ok: true)
        // A whole session (play) comes in event order, not only the newest `limit`.
        let whole = query.sessionID != nil && query.types.isEmpty && query.since == nil && query.until == nil
        if let access = assembly.sharedAccess {
            // Every bastion's events, each with its host; the same scope as the local store's.
            // Signed in here (an IAM token may need AWS); libpq then blocks on a thread of its own.
            let spec = try await access.spec()
            let found = try await Self.onThread("postern-service-read") {
                let reader = try SharedAuditReader(spec, applicationName: "postern-service-read")
                return try whole ? reader.session(query.sessionID ?? "", user: query.user).filter { query.matches($0.event) }
                    : reader.search(query)
            }
            reply.events = found.map(\.event)
            reply.hosts = found.map(\.host)
        } else if let sid = query.sessionID, whole {
            reply.events = try store.session(sid).filter(query.matches)
        } else {
            reply.events = try store.search(query)
        }
        return reply
    }

    /// The whole store's chains: only for those who may read every event (the report names
    /// sessions of every user). One at a time, on a thread of its own: it reads the whole store
    /// and must not hold one of the few threads the service's tasks run on.
    private func verify(_ request: BastionRequest, identity: BastionIdentity) async throws -> BastionReply {
        let (user, checker) = try checker(identity)
        guard checker.readsAllAudit else {
            throw BastionServiceError("audit verify needs a role that reads every audit event, such as the auditor preset (user \(user.name) has none)")
        }
        guard verifying.withLockedValue({ busy in defer { busy = true }; return !busy }) else {
            throw BastionServiceError("an audit verify is already running; try again when it has finished")
        }
        defer { verifying.withLockedValue { $0 = false } }
        let store = self.store
        let sid = request.audit?.sid
        // With a shared store, its chains (every bastion's) are the trail that counts.
        let spec = try await assembly.sharedAccess?.spec()
        let report = try await Self.onThread("postern-audit-verify") {
            if let spec { return try SharedAuditReader(spec, applicationName: "postern-service-verify").verify(session: sid) }
            return try store.verify(session: sid)
        }
        logger.info("audit verify by \(user.name): \(report.records) records, \(report.problems.count) problem(s)")
        var reply = BastionReply(ok: true)
        reply.verify = report
        return reply
    }

    /// A live tail, bounded (a client that stops reading loses the oldest unsent events rather
    /// than growing the service) and re-scoped when the config changes (a revoked auditor
    /// stops seeing others' events; a user removed from `users:` is cut off).
    func tailStream(_ request: BastionRequest, identity: BastionIdentity) throws -> AsyncThrowingStream<SharedAuditEvent, any Error> {
        // The generation before the scope: a reload in between re-scopes at the first event.
        let firstGeneration = source.generation
        let firstQuery = try scopedSearch(request.audit, identity: identity)
        if let access = assembly.sharedAccess {
            return sharedTail(access, request, identity: identity, firstQuery: firstQuery, generation: firstGeneration)
        }
        let subscription = try store.subscribe()
        return AsyncThrowingStream(bufferingPolicy: .bufferingNewest(10_000)) { continuation in
            let task = Task {
                var query = firstQuery
                var generation = firstGeneration
                do {
                    for try await event in subscription {
                        if source.generation != generation {
                            generation = source.generation
                            query = try scopedSearch(request.audit, identity: BastionIdentity(uid: identity.uid, config: source.config))
                        }
                        // No host: the local store's events are this bastion's, sent as before.
                        if query.matches(event) { continuation.yield(SharedAuditEvent(host: "", event: event)) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The shared store's tail, followed on a thread of its own (libpq blocks), re-scoped when the
    /// config changes like the local one.
    private func sharedTail(_ access: SharedAuditAccess, _ request: BastionRequest, identity: BastionIdentity,
                            firstQuery: AuditSearch, generation: Int) -> AsyncThrowingStream<SharedAuditEvent, any Error> {
        let scope = NIOLockedValueBox((query: firstQuery, generation: generation, cancelled: false))
        return AsyncThrowingStream(bufferingPolicy: .bufferingNewest(10_000)) { continuation in
            let thread = Thread { [source] in
                do {
                    // Signed in and connected here, off the event loop; the connection stays on this thread.
                    let reader = try SharedAuditReader(try access.blockingSpec(), applicationName: "postern-service-tail")
                    try reader.follow(keepGoing: { !scope.withLockedValue { $0.cancelled } }) { e in
                        let (query, cancelled) = try scope.withLockedValue { s -> (AuditSearch, Bool) in
                            if source.generation != s.generation {
                                s.generation = source.generation
                                s.query = try self.scopedSearch(request.audit, identity: BastionIdentity(uid: identity.uid, config: source.config))
                            }
                            return (s.query, s.cancelled)
                        }
                        if cancelled { return false }
                        if query.matches(e.event) { continuation.yield(e) }
                        return true
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            thread.name = "postern-service-tail"
            continuation.onTermination = { _ in scope.withLockedValue { $0.cancelled = true } }
            thread.start()
        }
    }

    struct PreparedConnect: Sendable {
        let reply: BastionReply
        let server: ProxyServer
        let context: ProxySessionContext
    }

    /// A session for the peer's user to a configured database. RBAC itself is the engine's: it
    /// refuses in the database's protocol and audits the refusal, against the current roles (so
    /// a connection after a revocation is refused and recorded, not merely "not found").
    func prepareConnect(_ request: BastionRequest, identity: BastionIdentity) async throws -> PreparedConnect {
        let (user, _) = try checker(identity)
        guard let name = request.db, let db = source.config.databases.first(where: { $0.name == name }) else {
            throw BastionServiceError("database \"\(request.db ?? "")\" not found")
        }
        let route = Route(user: user, database: db, dbUser: request.dbUser ?? "", dbName: request.dbName,
                          origin: identity.origin(sshClient: request.sshClient))
        let (server, _) = try await server(for: db)
        let context = ProxySessionContext(route: route, clientAuthentication: .peerCredentials,
                                          authorizer: LiveAuthorizer(source: source, userName: user.name),
                                          services: services)
        var reply = BastionReply(ok: true)
        reply.protocol = db.protocol.rawValue
        reply.dbUser = route.dbUser
        reply.dbName = route.dbName
        return PreparedConnect(reply: reply, server: server, context: context)
    }
}

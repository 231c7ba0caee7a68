import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PosternAudit
import PosternCore
import PosternProxy

#if canImport(Glibc)
import Glibc
#endif

public struct BastionServiceError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `postern serve`: the proxy core in a process the operators cannot touch. It holds the config,
/// the secrets, the AWS credentials and the audit store; operators' `postern` processes are its
/// clients on a Unix socket, each known by its peer credentials.
public final class BastionService: Sendable {
    public let source: ConfigSource
    public let store: AuditStore
    let assembly: ProxyAssembly
    let services: ProxyServices
    let logger: Logger
    /// One server per database (its engines: Redis sign-in and deny lists), rebuilt when the
    /// database's definition changes.
    private let servers = NIOLockedValueBox<[String: (database: Database, server: ProxyServer, engines: ProxyEngines)]>([:])
    private let listener = NIOLockedValueBox<Channel?>(nil)
    /// Managed-user rotators by database, with the definition each was started for.
    private let rotations = NIOLockedValueBox<[String: (database: Database, task: Task<Void, Never>)]>([:])
    /// Config changes are handled one after another (a file change and a SIGHUP can coincide).
    private let lastChange = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// An `audit verify` is running (one at a time: it reads the whole store).
    let verifying = NIOLockedValueBox(false)

    public init(source: ConfigSource, store: AuditStore, environment: [String: String], threads: Int, logger: Logger) {
        self.source = source
        self.store = store
        self.logger = logger
        assembly = ProxyAssembly(config: source.config, store: store, environment: environment, threads: threads)
        services = assembly.services()
    }

    // MARK: - Listening

    /// Binds the socket (0666, or 0660 for `serve.group`) and starts the managed-user rotators.
    public func listen() async throws -> String {
        let serve = source.config.serve
        let path = serve.socket
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                throw BastionServiceError("\(path) exists and is not a socket; refusing to replace it")
            }
            unlink(path)
        }
        let channel = try await ServerBootstrap(group: assembly.group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BastionConnection(service: self))
                }
            }
            .bind(unixDomainSocketPath: path).get()
        try Self.setPermissions(path, group: serve.group)
        listener.withLockedValue { $0 = channel }
        await startRotations()
        logger.info("listening", metadata: ["socket": "\(path)", "group": "\(serve.group ?? "(any user)")"])
        return path
    }

    static func setPermissions(_ path: String, group: String?) throws {
        guard let group else {
            chmod(path, 0o666)
            return
        }
        guard let gr = getgrnam(group) else { throw BastionServiceError("serve.group \"\(group)\" is not a group on this host") }
        guard chown(path, uid_t.max, gr.pointee.gr_gid) == 0, chmod(path, 0o660) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(path)
            throw BastionServiceError("cannot give \(path) to group \(group) (\(why)): the service's user must be a member of it (usermod -a -G \(group) postern, or SupplementaryGroups=\(group) in the unit)")
        }
    }

    /// Ends every session cleanly (each audited), stops the rotators and the socket.
    public func shutdown() async {
        let channel = listener.withLockedValue { c in
            defer { c = nil }
            return c
        }
        try? await channel?.close()
        for rotation in rotations.withLockedValue({ Array($0.values) }) { rotation.task.cancel() }
        // Every session, whichever server (current or dropped by a reload) it came through.
        await services.endAllSessions(on: assembly.group.next())
        let all = servers.withLockedValue { Array($0.values.map(\.server)) }
        for server in all { await server.shutdown() }
        await assembly.shutdown()
        if let path = channel.map({ _ in source.config.serve.socket }) { unlink(path) }
    }

    // MARK: - Config changes

    /// After a reload (one change at a time): servers of changed databases are rebuilt on their
    /// next use, rotators follow the config, and sessions whose access is gone are ended (audited).
    public func configChanged(_ change: ConfigSource.Change) {
        lastChange.withLockedValue { last in
            let previous = last
            last = Task {
                await previous?.value
                await self.apply(change)
            }
        }
    }

    private func apply(_ change: ConfigSource.Change) async {
        switch change {
        case .failed(let why):
            logger.error("the config changed but does not load; the previous one stays in force", metadata: ["error": "\(why)"])
            return
        case .reloaded(let generation):
            logger.notice("config reloaded", metadata: ["generation": "\(generation)"])
        }
        do {
            try BastionDeployment.checkFiles(source.config, serviceUID: UInt32(geteuid()))
        } catch {
            logger.error("the reloaded config's files are not safe", metadata: ["error": "\(error)"])
        }
        let current = Dictionary(source.config.databases.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // Servers of changed databases take no new sessions; they never listen (the service hands
        // them connections), and their open sessions belong to the shared services, which end
        // them at shutdown or when their access is gone.
        servers.withLockedValue { s in s = s.filter { current[$0.key] == $0.value.database } }
        await startRotations()
        do {
            let ended = try await services.endRevokedSessions(on: assembly.group.next())
            if ended > 0 { logger.notice("ended sessions whose access was revoked", metadata: ["sessions": "\(ended)"]) }
        } catch {
            logger.error("re-checking open sessions failed", metadata: ["error": "\(error)"])
        }
    }

    /// One rotator per Redis database with managed users (never one per operator), restarted when
    /// the database's definition changes.
    private func startRotations() async {
        let wanted = Dictionary(source.config.databases.filter { $0.protocol == .redis && $0.redis.managedUsers != nil }
            .map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let stale = rotations.withLockedValue { r -> [Task<Void, Never>] in
            let gone = r.filter { wanted[$0.key] != $0.value.database }
            for key in gone.keys { r.removeValue(forKey: key) }
            return gone.values.map(\.task)
        }
        for task in stale { task.cancel() }
        for db in wanted.values where rotations.withLockedValue({ $0[db.name] == nil }) {
            do {
                guard let rotator = try await server(for: db).1.rotator else { continue }
                let task = Task { await rotator.run([db]) }
                rotations.withLockedValue { $0[db.name] = (db, task) }
            } catch {
                logger.error("cannot prepare managed-user rotation", metadata: ["database": "\(db.name)", "error": "\(error)"])
            }
        }
    }

    /// The server for a database as the config defines it now (built on first use).
    func server(for database: Database) async throws -> (ProxyServer, ProxyEngines) {
        if let hit = servers.withLockedValue({ $0[database.name] }), hit.database == database { return (hit.server, hit.engines) }
        let logger = self.logger
        let (server, engines) = try await assembly.server(for: database, services: services) { event in
            switch event {
            case .rotated(let db, let user):
                logger.notice("rotated a managed user's password", metadata: ["database": "\(db)", "db_user": "\(user)"])
            case .failed(let db, let user, let reason):
                logger.error("managed-user rotation failed, will retry",
                             metadata: ["database": "\(db)", "db_user": "\(user)", "reason": "\(reason)"])
            }
        }
        // Two first connections may both have built one: the first stored serves both, so every
        // session of the database is on one server.
        return servers.withLockedValue { all in
            if let hit = all[database.name], hit.database == database { return (hit.server, hit.engines) }
            all[database.name] = (database, server, engines)
            return (server, engines)
        }
    }
}

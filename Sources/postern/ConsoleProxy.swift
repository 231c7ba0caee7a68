import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PosternAWS
import PosternAudit
import PosternCore
import PosternProxy
import PosternService
import PosternTUI

/// The console's in-process proxy: each session's route gets its own listener on a private Unix
/// socket (`SessionSocket`: `<dir>/.s.PGSQL.<n>`, the directory 0700 and named at random, peers
/// checked by uid), with the same RBAC, upstream sign-in and audit as `postern proxy db`. The TUI
/// reaches it through `SessionOpener`.
final class ConsoleProxy: SessionOpener {
    private let session: CommandSession
    private let source: ConfigSource?
    private let environment: [String: String]
    private let assembly: ProxyAssembly
    private let servers = NIOLockedValueBox<[Int: ProxyServer]>([:])
    private let nextPort = NIOLockedValueBox(0)
    /// Made with the first session (`socketDirectory()`).
    private let directory = NIOLockedValueBox<String?>(nil)

    /// Sessions are audited to `store` (the console's, shared with its audit pane). With `source`,
    /// RBAC follows the config as it changes: a revoked role denies the next session and ends
    /// the open ones.
    /// Ships the store to `audit.shared` while the console runs (nil without one).
    var shipper: AuditShipper? { assembly.shipper }
    /// How the shared audit store is reached (the audit pane reads it), nil without one.
    var sharedAccess: SharedAuditAccess? { assembly.sharedAccess }

    init(session: CommandSession, store: AuditStore, environment: [String: String], source: ConfigSource? = nil) {
        self.session = session
        self.source = source
        self.environment = environment
        // Interactive sessions: one event loop is plenty and leaves the cores to the terminal.
        assembly = ProxyAssembly(config: session.config, store: store, environment: environment, threads: 1)
        source?.watch { [servers, assembly] change in
            guard case .reloaded = change else { return }
            let open = servers.withLockedValue { Array($0.values) }
            Task {
                for server in open { _ = try? await server.services.endRevokedSessions(on: assembly.group.next()) }
            }
        }
    }

    /// `$XDG_RUNTIME_DIR/postern-console-XXXXXX` (else in /tmp), created once with a random name:
    /// a predictable one could be created first, or pointed elsewhere, by another user.
    private func socketDirectory() throws(ConnectError) -> String {
        do {
            return try directory.withLockedValue { dir in
                if let dir { return dir }
                let made = try PrivateDirectory.create(prefix: "postern-console-", environment: environment)
                dir = made
                return made
            }
        } catch {
            throw ConnectError("the console's proxy has no socket directory: \(error)")
        }
    }

    func open(_ request: ConnectRequest, progress: @escaping @Sendable (String) -> Void) async throws(ConnectError)
        -> SessionEndpoint
    {
        let route = Route(user: session.user, database: request.database, dbUser: request.dbUser, dbName: request.dbName)
        let authorizer: any RouteAuthorizer = source.map { LiveAuthorizer(source: $0, userName: session.user.name) }
            ?? AccessCheckerAuthorizer(session.checker)
        let decision = authorizer.check(route)
        guard decision.allowed else { throw ConnectError(([decision.reason] + decision.details).joined(separator: "\n")) }
        let directory = try socketDirectory()
        let services = assembly.services { ProgressCredentials(base: $0, progress: progress) }
        // The same engines as `proxy db`: IAM, managed and password sign-in for Redis, and its deny lists.
        let server: ProxyServer
        do {
            (server, _) = try await assembly.server(for: route.database, services: services)
        } catch {
            throw ConnectError("cannot prepare the sign-in to \(route.database.name): \(error)")
        }
        let port = nextPort.withLockedValue { n in
            n += 1
            return n
        }
        let context = ProxySessionContext(route: route, clientAuthentication: .peerCredentials, authorizer: authorizer,
                                          services: services)
        do {
            let listener = try await server.listenUnix(directory: directory, port: port, context: context)
            progress("proxy: private socket \(listener.socketPath ?? directory) (0700, this user only)")
        } catch {
            throw ConnectError("the console's proxy cannot listen: \(error)")
        }
        servers.withLockedValue { $0[port] = server }
        return SessionEndpoint(socketDirectory: directory, port: port, dbUser: route.dbUser, dbName: route.dbName)
    }

    func close(_ endpoint: SessionEndpoint) async {
        let server = servers.withLockedValue { $0.removeValue(forKey: endpoint.port) }
        await server?.shutdown()
    }

    /// Ends every session cleanly (db.session.end) and removes the socket directory; the store
    /// stays open for its owner to close.
    func shutdown() async {
        let all = servers.withLockedValue { s in
            defer { s.removeAll() }
            return Array(s.values)
        }
        source?.stopWatching()
        for server in all { await server.shutdown() }
        await assembly.shutdown()
        if let made = directory.withLockedValue({ $0 }) { try? FileManager.default.removeItem(atPath: made) }
    }
}

/// Reports, in plain words, the upstream sign-in steps the proxy takes for a session.
struct ProgressCredentials: UpstreamCredentialSource {
    let base: any UpstreamCredentialSource
    let progress: @Sendable (String) -> Void

    func login(for route: Route) async throws -> UpstreamLogin {
        let db = route.database
        switch db.auth {
        case .iam: progress("credentials: signing an IAM auth token for \(route.dbUser)")
        case .password(.file): progress("credentials: reading the password file")
        case .password(.environment(let name)): progress("credentials: password from $\(name)")
        case .managed: progress("credentials: temporary credentials from AWS")
        }
        let login = try await base.login(for: route)
        progress("TLS (\(db.tls.mode.rawValue)) to \(db.uri) and sign-in as \(route.dbUser)")
        return login
    }
}

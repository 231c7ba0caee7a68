import ArgumentParser
import Dispatch
import Foundation
import NIOCore
import NIOPosix
import PosternAWS
import PosternAudit
import PosternCore
import PosternProxy
import PosternService

struct Proxy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Local proxies to databases, for clients such as psql and pgbench.",
        subcommands: [ProxyDB.self]
    )
}

/// `postern proxy db NAME --db-user U`: a loopback tunnel that any PostgreSQL client can use,
/// signed in upstream by Postern and audited statement by statement.
struct ProxyDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Open a local tunnel to a database; runs until interrupted.",
        discussion: """
            Listens on 127.0.0.1 and prints how to connect: a psql (or redis-cli) command line, or with \
            --format json one line {"host","port","user","database","password"}. The password is a \
            secret made for this tunnel, valid for every connection to it until the tunnel ends; it \
            is passed in the environment (PGPASSWORD, REDISCLI_AUTH), never on a command line, where \
            other users could read it. Postern signs in upstream itself. The config is re-read when \
            it changes (or on SIGHUP): a revoked role denies new connections and ends open sessions. \
            For a Redis database with managed users, their passwords are rotated while the tunnel \
            runs; each rotation (or failure) is reported on stderr, never the password. On a bastion \
            (a Postern service on this host) the tunnel relays to the service, which signs in and \
            audits; it listens on a private Unix socket (--socket) or loopback TCP (--port), and \
            only you may connect to it.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "Database name (as `postern db ls` shows it).")
    var name: String

    @Option(name: .customLong("db-user"), help: "Database user.")
    var dbUser: String

    @Option(name: .customLong("db-name"), help: "Database name inside the server (defaults to the db user).")
    var dbName: String?

    @Option(help: "Local port on 127.0.0.1 (0 picks a free one).")
    var port: Int?

    @Option(help: "Bastion mode: listen on this Unix socket path instead (its directory is created 0700). Default there: a private directory under $XDG_RUNTIME_DIR (or /tmp).")
    var socket: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        do {
            if let client = try BastionMode.client(options) {
                try await relay(client)
            } else {
                try await serve()
            }
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }

    private func serve() async throws {
        guard socket == nil else {
            throw CLIError("--socket is for bastion mode (a Postern service on this host); here the tunnel listens on loopback TCP (--port)")
        }
        let port = self.port ?? 0
        guard (0...65535).contains(port) else { throw CLIError("--port must be between 0 and 65535") }
        let source = try options.source()
        let session = try options.session(source.current)
        guard let db = session.config.databases.first(where: { $0.name == name }) else {
            throw CLIError("database \"\(name)\" not found")
        }
        let store: AuditStore
        do {
            store = try AuditCLI.open(options)
        } catch let e as CLIError {
            throw CLIError("cannot open the audit store, and Postern never proxies unaudited: \(e.description)")
        }
        let route = Route(user: session.user, database: db, dbUser: dbUser, dbName: dbName)
        let decision = session.checker.check(db, dbUser: route.dbUser, dbName: route.dbName)
        guard decision.allowed else { throw CLIError(decision.reason) }

        let environment = ProcessEnvironment.current
        // One event loop per core by default; POSTERN_PROXY_THREADS overrides (benchmarks on busy hosts).
        let threads = environment["POSTERN_PROXY_THREADS"].flatMap { Int($0) }.map { max(1, min($0, 64)) } ?? System.coreCount
        let assembly = ProxyAssembly(config: session.config, store: store, environment: environment, threads: threads,
                                     fallbackRegion: db.aws.region)
        let services = assembly.services()
        let server: ProxyServer
        let engines: ProxyEngines
        do {
            (server, engines) = try await assembly.server(for: db, services: services, onRotation: Self.reportRotation)
        } catch {
            throw CLIError("cannot prepare the sign-in to \(db.name): \(error)")
        }
        let rotation = engines.rotator.map { rotator in Task { await rotator.run([db]) } }
        let secret = TunnelSecret.make()
        // RBAC against the config as it is now: a role revoked in the files denies the next
        // connection, and the open sessions it no longer allows are ended.
        let context = ProxySessionContext(route: route, clientAuthentication: .password(secret),
                                          authorizer: LiveAuthorizer(source: source, userName: session.user.name),
                                          services: services)
        let listener: ProxyListener
        do {
            listener = try await server.listenTCP(port: port, context: context)
        } catch {
            throw CLIError("cannot listen on 127.0.0.1:\(port): \(error)")
        }
        source.watch { change in
            Self.reportReload(change)
            Task { _ = try? await services.endRevokedSessions(on: assembly.group.next()) }
        }
        let stop = SignalWaiter([SIGINT, SIGTERM])
        // Written straight to the descriptor, so a script reading the pipe sees it at once.
        FileHandle.standardOutput.write(Data((TunnelBanner(route: route, port: listener.port ?? port, password: secret)
            .render(format) + "\n").utf8))
        await stop.wait()
        source.stopWatching()
        rotation?.cancel()
        await server.shutdown()
        await assembly.shutdown()
        try? store.close()
    }
}

extension ProxyDB {
    /// Config reloads, on stderr.
    @Sendable static func reportReload(_ change: ConfigSource.Change) {
        let time = AuditTime.now().rfc3339
        let line: String
        switch change {
        case .reloaded(let generation): line = "\(time) config reloaded (generation \(generation)); open sessions re-checked"
        case .failed(let why): line = "\(time) the config changed but does not load, the previous one stays: \(why)"
        }
        FileHandle.standardError.write(Data(("postern: " + TextSanitizer.escape(line) + "\n").utf8))
    }

    /// Managed-user rotations, on stderr (stdout holds only the banner a script reads).
    @Sendable static func reportRotation(_ event: ManagedUserRotator.Event) {
        let time = AuditTime.now().rfc3339
        let line: String
        switch event {
        case .rotated(let db, let user):
            line = "\(time) rotated the password of managed user \(user) on \(db) (stored in Secrets Manager)"
        case .failed(let db, let user, let reason):
            line = "\(time) rotating the password of managed user \(user) on \(db) failed, will retry: \(reason)"
        }
        FileHandle.standardError.write(Data(("postern: " + TextSanitizer.escape(line) + "\n").utf8))
    }
}

/// What `proxy db` prints once it listens.
struct TunnelBanner {
    let route: Route
    let port: Int
    let password: String

    func render(_ format: OutputFormat) -> String {
        switch format {
        case .json where route.database.protocol == .redis:
            return Self.json(["host": "127.0.0.1", "port": port, "user": route.dbUser, "password": password,
                              "protocol": "redis"])
        case .json:
            return Self.json(["host": "127.0.0.1", "port": port, "user": route.dbUser,
                              "database": route.dbName, "password": password])
        case .text where route.database.protocol == .redis:
            return """
                Started a tunnel to \(TextSanitizer.escape(route.database.name)) as db user \(TextSanitizer.escape(route.dbUser)) \
                on 127.0.0.1:\(port). Connect with:

                  REDISCLI_AUTH=\(password) redis-cli -h 127.0.0.1 -p \(port) --user \(route.dbUser)

                The password is this tunnel's secret, good for any number of connections until the tunnel ends. \
                Ctrl-C ends the tunnel and its sessions.
                """
        case .text:
            return """
                Started a tunnel to \(TextSanitizer.escape(route.database.name)) as db user \(TextSanitizer.escape(route.dbUser)) \
                (database \(TextSanitizer.escape(route.dbName))) on 127.0.0.1:\(port). Connect with:

                  PGPASSWORD=\(password) psql "host=127.0.0.1 port=\(port) user=\(route.dbUser) dbname=\(route.dbName)"

                The password is this tunnel's secret, good for any number of connections until the tunnel ends. \
                Ctrl-C ends the tunnel and its sessions.
                """
        }
    }
}

extension TunnelBanner {
    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

enum TunnelSecret {
    /// 24 random bytes, hex: what a tunnel's clients must know.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

/// Waits for the first of some signals (their default action is turned off while waiting).
final class SignalWaiter: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init(_ signals: [Int32]) {
        (stream, continuation) = AsyncStream<Void>.makeStream()
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            let continuation = self.continuation
            source.setEventHandler { continuation.yield() }
            source.resume()
            sources.append(source)
        }
    }

    func wait() async {
        for await _ in stream { return }
    }
}

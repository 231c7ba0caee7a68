import ArgumentParser
import Dispatch
import Foundation
import NIOCore
import NIOPosix
import PosternAWS
import PosternAudit
import PosternCore
import PosternProxy

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
            Listens on 127.0.0.1 and prints how to connect: a psql command line, or with --format json \
            one line {"host","port","user","database","password"}. The password is a one-time secret \
            for this tunnel; Postern signs in upstream itself. For a Redis database with managed \
            users, their passwords are rotated while the tunnel runs; each rotation (or failure) is \
            reported on stderr, never the password.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "Database name (as `postern db ls` shows it).")
    var name: String

    @Option(name: .customLong("db-user"), help: "Database user.")
    var dbUser: String

    @Option(name: .customLong("db-name"), help: "Database name inside the server (defaults to the db user).")
    var dbName: String?

    @Option(help: "Local port (0 picks a free one).")
    var port: Int = 0

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        do {
            try await serve()
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }

    private func serve() async throws {
        let session = try options.session()
        guard let db = session.config.databases.first(where: { $0.name == name }) else {
            throw CLIError("database \"\(name)\" not found")
        }
        guard (0...65535).contains(port) else { throw CLIError("--port must be between 0 and 65535") }
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
        let transport = AWSHTTPTransport()
        let base = AWSCredentialChain(environment: environment, transport: transport, fallbackRegion: db.aws.region)
        let chain = AWSSessionChain(base: base, baseRegion: base.region, environment: environment, transport: transport)
        // One event loop per core by default; POSTERN_PROXY_THREADS overrides (benchmarks on busy hosts).
        let threads = environment["POSTERN_PROXY_THREADS"].flatMap { Int($0) }.map { max(1, min($0, 64)) } ?? System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let services = ProxyServices(clusterName: session.config.clusterName, sink: AuditSessionSink(store),
                                     credentials: DatabaseSignIn(
                                        aws: SessionChainAWSCredentials(chain),
                                        redshift: RedshiftSessionLogins(
                                            RedshiftAuth.Session(chain: chain, environment: environment, transport: transport)),
                                        environment: environment))
        let engines: ProxyEngines
        do {
            engines = try await ProxyEngines(for: db, chain: chain, transport: transport, group: group,
                                             environment: environment, redisValues: session.config.audit.redisValues,
                                             onRotation: Self.reportRotation)
        } catch {
            throw CLIError("cannot prepare the sign-in to \(db.name): \(error)")
        }
        let rotation = engines.rotator.map { rotator in Task { await rotator.run([db]) } }
        let server = ProxyServer(group: group, services: services, registry: engines.registry)
        let secret = TunnelSecret.make()
        let context = ProxySessionContext(route: route, clientAuthentication: .password(secret),
                                          authorizer: AccessCheckerAuthorizer(session.checker), services: services)
        let listener: ProxyListener
        do {
            listener = try await server.listenTCP(port: port, context: context)
        } catch {
            throw CLIError("cannot listen on 127.0.0.1:\(port): \(error)")
        }
        let stop = SignalWaiter([SIGINT, SIGTERM])
        // Written straight to the descriptor, so a script reading the pipe sees it at once.
        FileHandle.standardOutput.write(Data((TunnelBanner(route: route, port: listener.port ?? port, password: secret)
            .render(format) + "\n").utf8))
        await stop.wait()
        rotation?.cancel()
        await server.shutdown()
        try? store.close()
        try? await group.shutdownGracefully()
        try? await transport.shutdown()
    }
}

extension ProxyDB {
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

                  redis-cli -h 127.0.0.1 -p \(port) --user \(route.dbUser) -a \(password) --no-auth-warning

                The password is a one-time secret for this tunnel. Ctrl-C ends the tunnel and its sessions.
                """
        case .text:
            return """
                Started a tunnel to \(TextSanitizer.escape(route.database.name)) as db user \(TextSanitizer.escape(route.dbUser)) \
                (database \(TextSanitizer.escape(route.dbName))) on 127.0.0.1:\(port). Connect with:

                  PGPASSWORD=\(password) psql "host=127.0.0.1 port=\(port) user=\(route.dbUser) dbname=\(route.dbName)"

                The password is a one-time secret for this tunnel. Ctrl-C ends the tunnel and its sessions.
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

import PosternTestSupport
import Foundation
import NIOCore
import NIOPosix
import PosternCore
@testable import PosternProxy

/// A proxy running in the test process against the real TLS PostgreSQL of scripts/services,
/// with psql and pgbench as real clients.
final class ProxyHarness: @unchecked Sendable {
    let env: ServiceEnvironment
    let admin: ServiceEnvironment.PostgresLogin
    let sink = MemorySink()
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let server: ProxyServer
    let services: ProxyServices
    let user: PosternUser
    let roles: [Role]

    /// `events`: where sessions record instead of `sink` (a real audit store, read back by the test).
    init(credentials: (any UpstreamCredentialSource)? = nil, roles: [Role] = [.presetAccess],
         traits: Traits = ["db_users": ["*"], "db_names": ["*"]], limits: ProxyLimits = ProxyLimits(),
         events: (any SessionEventSink)? = nil) throws {
        env = try ServiceEnvironment.load()
        admin = try env.postgres("ADMIN")
        services = ProxyServices(clusterName: "test-cluster", sink: events ?? sink,
                                 credentials: credentials ?? DatabaseSignIn(), limits: limits)
        // Both engines with their defaults (Redis: password sign-in, every command allowed).
        server = ProxyServer(group: group, services: services, registry: EngineRegistry([PostgresEngine(), RedisEngine()]))
        user = PosternUser(name: "tester", roles: roles.map(\.name), traits: traits)
        self.roles = roles
    }

    deinit { try? group.syncShutdownGracefully() }

    /// The services' PostgreSQL as a configured database, signing in with `auth`.
    func database(name: String = "orders", auth: DatabaseAuth? = nil, tls: DatabaseTLS? = nil, uri: String? = nil,
                  aws: DatabaseAWS = DatabaseAWS()) throws -> Database {
        let adminPassword = DatabaseAuth.password(.file(try env.string("POSTERN_TEST_PG_ADMIN_PASSWORD_FILE")))
        return Database(name: name, protocol: .postgres, uri: uri ?? "\(admin.host):\(admin.port)",
                 staticLabels: ["env": "test"], aws: aws,
                 tls: tls ?? DatabaseTLS(mode: .verifyFull, caCertFile: admin.caFile),
                 auth: auth ?? adminPassword)
    }

    struct Tunnel {
        let port: Int
        let password: String
        let route: Route

        func conninfo(user: String? = nil, dbname: String? = nil) -> String {
            "host=127.0.0.1 port=\(port) user=\(user ?? route.dbUser) dbname=\(dbname ?? route.dbName) connect_timeout=10"
        }

        var environment: [String: String] { ["PGPASSWORD": password] }
    }

    func tunnel(_ db: Database, dbUser: String, dbName: String? = nil) async throws -> Tunnel {
        let route = Route(user: user, database: db, dbUser: dbUser, dbName: dbName)
        let checker = try AccessChecker(user: user, roles: roles)
        let secret = "test-" + UUID().uuidString
        let context = ProxySessionContext(route: route, clientAuthentication: .password(secret),
                                          authorizer: AccessCheckerAuthorizer(checker), services: services)
        let listener = try await server.listenTCP(port: 0, context: context)
        guard let port = listener.port else { throw HarnessError("listener has no port") }
        return Tunnel(port: port, password: secret, route: route)
    }

    func shutdown() async {
        await server.shutdown()
    }

    /// psql through a tunnel: -X (no psqlrc), unaligned tuples-only output.
    func psql(_ tunnel: Tunnel, _ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 60) throws -> SubprocessResult {
        try Subprocess.run("psql", [tunnel.conninfo(), "-X", "-At"] + arguments, environment: tunnel.environment,
                           stdin: stdin, timeout: timeout)
    }

    /// psql straight to the server as the admin user (TLS verify-full).
    func adminPSQL(_ arguments: [String], database: String? = nil, timeout: TimeInterval = 60) throws -> SubprocessResult {
        try Subprocess.run("psql", [admin.conninfo(database: database), "-X", "-At", "-v", "ON_ERROR_STOP=1"] + arguments,
                           environment: ["PGPASSWORD": admin.password], timeout: timeout)
    }

    /// Waits until every session seen (at least `count`) has recorded its end or failed start.
    func waitForAllSessionsFinished(atLeast count: Int, timeout: TimeInterval = 15) -> Bool {
        eventually(timeout: timeout) {
            let finished = Set(sink.finishedSessions())
            return finished.count >= count && finished.count == sink.sessions().count
        }
    }

    /// Waits until the sink holds the end (or failed start) of `count` sessions.
    func waitForFinishedSessions(_ count: Int, timeout: TimeInterval = 15) -> Bool {
        eventually(timeout: timeout) { sink.finishedSessions().count >= count }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

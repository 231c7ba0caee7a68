import Foundation
import PosternCore
import PosternTestSupport
@testable import PosternProxy

/// The services' TLS Redis as a configured database, and redis-cli through a tunnel.
extension ProxyHarness {
    func redisDatabase(user role: String = "ALICE", name: String = "cache") throws -> Database {
        let login = try env.redis(role)
        return Database(name: name, protocol: .redis, uri: "\(login.host):\(login.tlsPort)",
                        staticLabels: ["env": "test"], tls: DatabaseTLS(mode: .verifyFull, caCertFile: login.caFile),
                        auth: .password(.file(try env.string("POSTERN_TEST_REDIS_\(role)_PASSWORD_FILE"))))
    }

    /// redis-cli through `tunnel`, signed in with the tunnel's secret.
    func redisCLI(_ tunnel: Tunnel, _ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 60) throws -> SubprocessResult {
        try Subprocess.run("redis-cli", redisCLIArguments(tunnel) + arguments, stdin: stdin, timeout: timeout)
    }

    func redisCLIArguments(_ tunnel: Tunnel) -> [String] {
        ["-h", "127.0.0.1", "-p", String(tunnel.port), "--user", tunnel.route.dbUser, "-a", tunnel.password,
         "--no-auth-warning"]
    }

    /// The queries (db_query text) and results of one session, in order.
    func redisEvents(_ session: String) -> (queries: [String], results: [StatementResult]) {
        var queries: [String] = []
        var results: [StatementResult] = []
        for event in sink.events(session: session) {
            switch event.kind {
            case .query(let q): queries.append(q)
            case .result(let r): results.append(r)
            default: break
            }
        }
        return (queries, results)
    }
}

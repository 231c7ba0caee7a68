import Foundation
import PosternCore
import PosternTestSupport
import XCTest
@testable import PosternProxy

#if canImport(Glibc)
import Glibc
#endif

/// Two `postern proxy db` processes, for the services' PostgreSQL and Redis, sharing one audit
/// store on a small tmpfs; clients that pipeline INSERTs and SETs through them, each carrying a
/// number of its own; and the ledger of which were answered, to hold against the server and the
/// store afterwards.
final class FullDiskFixture {
    let env: ServiceEnvironment
    let admin: ServiceEnvironment.PostgresLogin
    let redisAdmin: ServiceEnvironment.RedisLogin
    let disk: SmallTmpfs
    let files: PrivateConfig
    let config: String
    let store: String
    let synchronous: String
    let run = String(UUID().uuidString.lowercased().prefix(8))
    var table: String { "fulldisk_\(run)" }
    var keyPrefix: String { "postern:fulldisk:\(run):" }
    private(set) var proxies: [Subprocess] = []
    private var pgTunnel: [String: Any] = [:]
    private var redisTunnel: [String: Any] = [:]

    /// Every INSERT id / SET key sent, and those the client got an answer for.
    private(set) var sentIDs: [Int64] = []
    private(set) var answeredIDs: [Int64] = []
    private(set) var sentKeys: [String] = []
    private(set) var answeredKeys: [String] = []
    private var next = 0

    init(synchronous: String) throws {
        disk = try SmallTmpfs(megabytes: 32)
        self.synchronous = synchronous
        env = try ServiceEnvironment.load()
        admin = try env.postgres("ADMIN")
        redisAdmin = try env.redis("ADMIN")
        files = try PrivateConfig("fulldisk")
        store = disk.path + "/audit/audit.sqlite"
        config = try files.write("""
            cluster_name: fulldisk-test
            users:
              - name: \(KillNineTests.login())
                roles: [access]
                traits: {db_users: [\(admin.user), alice], db_names: [\(admin.database)]}
            databases:
            \(try ServiceDatabaseYAML.postgres(env, name: "pgdb", passwordKey: "POSTERN_TEST_PG_ADMIN_PASSWORD_FILE"))
            \(try ServiceDatabaseYAML.redis(env, name: "cache", passwordKey: "POSTERN_TEST_REDIS_ALICE_PASSWORD_FILE"))
            audit: {backend: sqlite, path: \(store), synchronous: \(synchronous)}

            """)
        let made = try adminPSQL("create table \(table) (id bigint primary key, pad text not null)")
        guard made.status == 0 else { throw HarnessError("create table: \(made.combined)") }
        let (pg, pgLine) = try startJSONTunnel(["pgdb", "--db-user", admin.user, "--db-name", admin.database], config: config)
        proxies.append(pg)
        pgTunnel = pgLine
        let (redis, redisLine) = try startJSONTunnel(["cache", "--db-user", "alice"], config: config)
        proxies.append(redis)
        redisTunnel = redisLine
    }

    /// Stops the proxies (SIGTERM: each indexes what it journaled and closes the store), drops the
    /// table and keys, unmounts. Returns the proxies' exits.
    @discardableResult
    func tearDown() -> [SubprocessResult] {
        let exits = stopProxies()
        _ = try? adminPSQL("drop table if exists \(table)")
        if let keys = try? serverKeys(), !keys.isEmpty { _ = try? redisAdminCLI(["DEL"] + keys.sorted()) }
        disk.unmount()
        files.remove()
        return exits
    }

    func stopProxies() -> [SubprocessResult] {
        for p in proxies { p.signal(SIGTERM) }
        defer { proxies = [] }
        return proxies.map { $0.wait(timeout: 30) }
    }

    var proxiesRunning: Bool { proxies.allSatisfy(\.process.isRunning) }

    /// `postern audit search ARGS` on the store, its events (JSON).
    func auditSearch(_ arguments: [String]) throws -> [[String: Any]] {
        let out = try Subprocess.run(KillNineTests.binary, ["audit", "search", "--format", "json", "--limit", "1000000",
                                                            "--config", config] + arguments)
        guard out.status == 0 else { throw HarnessError("audit search: \(out.combined)") }
        return try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]] ?? []
    }

    // MARK: PostgreSQL

    /// A session through the tunnel: the client, or the ErrorResponse that refused its start.
    func openPG() throws -> (client: RawPGClient?, refusal: RawPGClient.Message?) {
        let client = try RawPGClient(port: try XCTUnwrap(pgTunnel["port"] as? Int))
        switch try client.startup(user: admin.user, database: admin.database,
                                  password: try XCTUnwrap(pgTunnel["password"] as? String)) {
        case .ready: return (client, nil)
        case .error(let message): return (nil, message)
        }
    }

    /// `count` INSERTs (each a new id, padded so that events weigh ~0.5 KB) as simple Queries in one
    /// write. Returns the error that ended the run, if one did.
    func insert(_ count: Int, on client: RawPGClient) -> RawPGClient.Message? {
        var ids: [Int64] = []
        var bytes: [UInt8] = []
        for _ in 0..<count {
            next += 1
            let id = Int64(next)
            ids.append(id)
            let sql = "insert into \(table) (id, pad) values (\(id), '\(String(repeating: "p", count: 300))')"
            let body = Array(sql.utf8) + [0]
            bytes += [UInt8(ascii: "Q")] + be32(Int32(body.count + 4)) + body
        }
        sentIDs += ids
        client.send(bytes)
        var answered = 0
        while answered < ids.count, let m = client.receive() {
            switch m.type {
            case UInt8(ascii: "C"): answeredIDs.append(ids[answered])
            case UInt8(ascii: "Z"): answered += 1
            case UInt8(ascii: "E"): return m
            default: continue
            }
        }
        return nil
    }

    /// The ids in the table, read straight from the server.
    func tableIDs() throws -> Set<Int64> {
        let out = try adminPSQL("select id from \(table)")
        guard out.status == 0 else { throw HarnessError("select: \(out.combined)") }
        return Set(out.stdout.split(separator: "\n").compactMap { Int64($0) })
    }

    func adminPSQL(_ sql: String) throws -> SubprocessResult {
        try Subprocess.run("psql", [admin.conninfo(), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                           environment: ["PGPASSWORD": admin.password])
    }

    // MARK: Redis

    /// A session through the tunnel, signed in: the client, or the error line that refused it.
    func openRedis() throws -> (client: RawTCPClient?, refusal: String?) {
        let client = try RawTCPClient(port: try XCTUnwrap(redisTunnel["port"] as? Int))
        client.send(RESPEncoder.command(["AUTH", "alice", try XCTUnwrap(redisTunnel["password"] as? String)]))
        let reply = Self.lines(client, count: 1)
        return reply.first == "+OK" ? (client, nil) : (nil, reply.first ?? "(closed)")
    }

    /// `count` SETs of new keys in one write; the error line that ended the run, if one did.
    func set(_ count: Int, on client: RawTCPClient) -> String? {
        var keys: [String] = []
        var bytes: [UInt8] = []
        for _ in 0..<count {
            next += 1
            let key = keyPrefix + String(next)
            keys.append(key)
            bytes += RESPEncoder.command(["SET", key, String(repeating: "v", count: 300)])
        }
        sentKeys += keys
        client.send(bytes)
        for (key, line) in zip(keys, Self.lines(client, count: count)) {
            guard line == "+OK" else { return line }
            answeredKeys.append(key)
        }
        return nil
    }

    /// Reply lines (simple strings and errors only), up to `count`, an error, or the connection's end.
    private static func lines(_ client: RawTCPClient, count: Int) -> [String] {
        func split(_ bytes: [UInt8]) -> [String] {
            String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n").dropLast().map { $0 }
        }
        let got = client.read { bytes in
            let lines = split(bytes)
            return lines.count >= count || lines.contains { $0.hasPrefix("-") }
        }
        return split(got.bytes)
    }

    /// The run's keys on the server, read straight from it (not through the proxy).
    func serverKeys() throws -> Set<String> {
        let out = try redisAdminCLI(["--scan", "--pattern", keyPrefix + "*"])
        guard out.status == 0 else { throw HarnessError("redis-cli --scan: \(out.combined)") }
        return Set(out.stdout.split(separator: "\n").map(String.init))
    }

    private func redisAdminCLI(_ arguments: [String]) throws -> SubprocessResult {
        try Subprocess.run("redis-cli", ["--tls", "--cacert", redisAdmin.caFile, "-h", redisAdmin.host,
                                         "-p", String(redisAdmin.tlsPort), "--user", redisAdmin.user,
                                         "--no-auth-warning"] + arguments,
                           environment: ["REDISCLI_AUTH": redisAdmin.password])
    }
}

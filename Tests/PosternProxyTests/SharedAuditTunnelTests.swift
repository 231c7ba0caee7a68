import Foundation
import PosternTestSupport
import XCTest

/// Two `postern proxy db` processes, each with its own local store and host name, ship into one
/// shared store (a database on the test PostgreSQL): `audit search` from either shows both hosts'
/// statements, `play` reads a session from the shared store, and `audit tail` on one sees the
/// other's new statement within a second.
final class SharedAuditTunnelTests: XCTestCase {
    func testTwoBastionsShareOneTrail() throws {
        let setup = try SharedTunnelSetup()
        // Dropped (database, directory) only once the test is over.
        defer { withExtendedLifetime(setup) {} }
        let h = setup.h
        let configA = try setup.config(host: "bastion-a")
        let configB = try setup.config(host: "bastion-b")  // init-shared again: idempotent

        let (proxyA, tunnelA) = try KillNineTests.startTunnel(config: configA, dbUser: h.admin.user)
        let (proxyB, tunnelB) = try KillNineTests.startTunnel(config: configB, dbUser: h.admin.user)
        defer {
            proxyA.signal(SIGTERM)
            proxyB.signal(SIGTERM)
            _ = proxyA.wait(timeout: 15)
            _ = proxyB.wait(timeout: 15)
        }
        func psql(_ tunnel: KillNineTests.Tunnel, _ sql: String) throws {
            let r = try Subprocess.run("psql", [tunnel.conninfo, "-X", "-At", "-c", sql], environment: ["PGPASSWORD": tunnel.password])
            XCTAssertEqual(r.status, 0, r.combined)
        }
        try psql(tunnelA, "select 'from-a'")
        try psql(tunnelB, "select 'from-b'")

        func search(_ config: String, _ extra: [String] = []) throws -> [[String: Any]] {
            let r = try Subprocess.run(KillNineTests.binary, ["audit", "search", "--config", config, "--format", "json",
                                                             "--type", "db.session.query"] + extra)
            XCTAssertEqual(r.status, 0, r.combined)
            return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
        }
        func hosts(_ events: [[String: Any]], _ text: String) -> Set<String> {
            Set(events.filter { ($0["db_query"] as? String)?.contains(text) == true }.compactMap { $0["postern_host"] as? String })
        }
        var fromA: [[String: Any]] = []
        XCTAssertTrue(try eventually(timeout: 15) {
            fromA = try search(configA)
            return hosts(fromA, "from-a") == ["bastion-a"] && hosts(fromA, "from-b") == ["bastion-b"]
        }, "search from A: \(fromA)")
        let fromB = try search(configB)
        XCTAssertEqual(hosts(fromB, "from-a"), ["bastion-a"])
        XCTAssertEqual(hosts(fromB, "from-b"), ["bastion-b"])

        // A session of A, played from B's side.
        let sid = try XCTUnwrap(fromA.first { ($0["db_query"] as? String)?.contains("from-a") == true }?["sid"] as? String)
        let play = try Subprocess.run(KillNineTests.binary, ["play", sid, "--config", configB])
        XCTAssertEqual(play.status, 0, play.combined)
        let played = (try? JSONSerialization.jsonObject(with: Data(play.stdout.utf8)) as? [[String: Any]]) ?? []
        XCTAssertEqual(played.first?["event"] as? String, "db.session.start")
        XCTAssertTrue(played.contains { ($0["db_query"] as? String)?.contains("from-a") == true })
        XCTAssertEqual(Set(played.compactMap { $0["postern_host"] as? String }), ["bastion-a"])

        // audit tail on A; B's statements show there.
        let tail = try Subprocess(KillNineTests.binary, ["audit", "tail", "--config", configA, "--format", "json",
                                                         "--type", "db.session.query"])
        defer { tail.signal(SIGTERM); _ = tail.wait(timeout: 10) }
        var probe = 0
        XCTAssertTrue(try eventually(timeout: 20) {
            probe += 1
            try psql(tunnelB, "select 'probe-\(probe)'")
            return tail.stdoutSoFar.contains("probe-")
        }, "the tail never showed B's statements: \(tail.stdoutSoFar)")
        let sent = Date()
        try psql(tunnelB, "select 'timed-from-b'")
        XCTAssertTrue(eventually(timeout: 5) { tail.stdoutSoFar.contains("timed-from-b") })
        let latency = Date().timeIntervalSince(sent)
        XCTAssertLessThan(latency, 1.0, "B's statement reached A's tail after \(latency) s")
        let line = tail.stdoutSoFar.split(separator: "\n").first { $0.contains("timed-from-b") }.map(String.init) ?? ""
        XCTAssertTrue(line.contains("\"postern_host\":\"bastion-b\""), line)

        let verify = try Subprocess.run(KillNineTests.binary, ["audit", "verify", "--config", configA])
        XCTAssertEqual(verify.status, 0, verify.combined)

        // Status: nothing waits on either side once shipped.
        XCTAssertTrue(try eventually(timeout: 10) {
            let s = try Subprocess.run(KillNineTests.binary, ["audit", "status", "--config", configB])
            return s.status == 0 && s.stdout.contains("shipped: nothing waits")
        })
    }
}

/// What every shared-audit tunnel test starts from: the harness, a fresh database on the shared
/// store's cluster, a private directory and the proxied database; `config` writes a tunnel's
/// config for a host and runs `audit init-shared` with it. Dropped and removed when released.
final class SharedTunnelSetup {
    let h: ProxyHarness
    let shared: SharedStoreFixture
    let dir: URL

    init() throws {
        h = try ProxyHarness()
        shared = try SharedStoreFixture(h.env)
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("shared-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if try h.adminPSQL(["-c", "select 1 from pg_database where datname = '\(KillNineTests.database)'"]).stdout != "1\n" {
            _ = try h.adminPSQL(["-c", "create database \(KillNineTests.database)"])
        }
    }

    deinit {
        shared.drop()
        try? FileManager.default.removeItem(at: dir)
    }

    /// The services' PostgreSQL as `killdb`, a local store named for `host`, shipping to the fixture's database.
    func config(host: String, extra: String = "") throws -> String {
        let path = dir.appendingPathComponent("\(host).yaml").path
        try """
            cluster_name: shared-test
            users:
              - name: \(KillNineTests.login())
                roles: [access]
                traits: {db_users: [\(h.admin.user)], db_names: [\(KillNineTests.database)]}
            databases:
            \(try ServiceDatabaseYAML.postgres(h.env, name: "killdb", passwordKey: "POSTERN_TEST_PG_ADMIN_PASSWORD_FILE"))
            audit:
              backend: sqlite
              path: \(dir.appendingPathComponent("\(host).sqlite").path)
              host: \(host)
            \(extra)\(try shared.yaml())

            """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        let initialised = try Subprocess.run(KillNineTests.binary, ["audit", "init-shared", "--config", path])
        guard initialised.status == 0 else { throw FixtureError("audit init-shared: \(initialised.combined)") }
        return path
    }
}

/// The shared store goes away and comes back under load; a shipper is killed between batches.
final class SharedAuditOutageTests: XCTestCase {
    /// Statements pgbench ran (`select N as probe`), as the shared store holds them: their count,
    /// and whether any event is there twice.
    func probes(_ config: String) throws -> (count: Int, duplicates: Int) {
        let r = try Subprocess.run(KillNineTests.binary, ["audit", "search", "--config", config, "--format", "json",
                                                         "--type", "db.session.query", "--limit", "10000000"], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let events = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
        let probes = events.filter { ($0["db_query"] as? String)?.contains(" as probe") == true }
        if probes.isEmpty { XCTFail("no probe among \(events.count) events: \(r.stdout.prefix(600)) \(r.stderr.prefix(600))") }
        let ids = probes.compactMap { $0["uid"] as? String }
        return (probes.count, ids.count - Set(ids).count)
    }

    func pgbench(_ tunnel: KillNineTests.Tunnel, seconds: Int, dir: URL) throws -> Subprocess {
        let script = dir.appendingPathComponent("probe.sql").path
        try "\\set id random(1, 1000000000)\nselect :id as probe\n".write(toFile: script, atomically: true, encoding: .utf8)
        return try Subprocess("pgbench", ["-n", "-c", "4", "-j", "2", "-T", "\(seconds)", "-f", script, tunnel.conninfo],
                              environment: ["PGPASSWORD": tunnel.password])
    }

    func processed(_ result: SubprocessResult) -> Int {
        let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("number of transactions actually processed:") }
        return line.flatMap { Int($0.split(separator: " ").last?.split(separator: "/").first ?? "") } ?? -1
    }

    func waitShipped(_ config: String, timeout: TimeInterval = 60) throws -> Bool {
        try eventually(timeout: timeout) {
            let s = try Subprocess.run(KillNineTests.binary, ["audit", "status", "--config", config])
            return s.status == 0 && s.stdout.contains("shipped: nothing waits")
        }
    }

    func testTheSharedStoreStoppedDuringPgbenchGetsEveryStatementOnce() throws {
        let setup = try SharedTunnelSetup()
        // Dropped (database, directory) only once the test is over.
        defer { withExtendedLifetime(setup) {} }
        let (h, shared, dir) = (setup.h, setup.shared, setup.dir)
        let config = try setup.config(host: "bastion-a")
        let (proxy, tunnel) = try KillNineTests.startTunnel(config: config, dbUser: h.admin.user)
        defer { proxy.signal(SIGTERM); _ = proxy.wait(timeout: 15) }

        let bench = try pgbench(tunnel, seconds: 12, dir: dir)
        XCTAssertTrue(try eventually(timeout: 10) { try shared.value("select count(*) from postern_audit_chunks") != "0" },
                      "nothing was shipped before the outage")
        try shared.cluster("stop")
        var restarted = false
        defer { if !restarted { try? shared.cluster("start") } }
        // The outage shows: the shipper fails and says so, while pgbench goes on.
        XCTAssertTrue(try eventually(timeout: 15) {
            try Subprocess.run(KillNineTests.binary, ["audit", "status", "--config", config]).stdout.contains("failing:")
        }, "audit status never showed the outage")
        let behind = try Subprocess.run(KillNineTests.binary, ["audit", "status", "--config", config]).stdout
        XCTAssertTrue(behind.contains("audit shipping behind:"), behind)
        try shared.cluster("start")
        restarted = true
        let result = bench.wait(timeout: 60)
        XCTAssertEqual(result.status, 0, result.combined)
        let ran = processed(result)
        XCTAssertGreaterThan(ran, 1000, result.stdout)

        XCTAssertTrue(try waitShipped(config), "the backlog was never shipped after the store came back")
        let (count, duplicates) = try probes(config)
        XCTAssertEqual(count, ran, "the shared store holds \(count) of the \(ran) statements pgbench ran")
        XCTAssertEqual(duplicates, 0)
        let verify = try Subprocess.run(KillNineTests.binary, ["audit", "verify", "--config", config], timeout: 120)
        XCTAssertEqual(verify.status, 0, verify.combined)
    }

    func testAShipperKilledBetweenBatchesShipsTheRestOnceOnRestart() throws {
        let setup = try SharedTunnelSetup()
        // Dropped (database, directory) only once the test is over.
        defer { withExtendedLifetime(setup) {} }
        let (h, shared, dir) = (setup.h, setup.shared, setup.dir)
        let config = try setup.config(host: "bastion-a")
        // One chunk per shipping transaction: the backlog goes in hundreds of batches.
        let oneChunk = ["POSTERN_AUDIT_SHIP_BATCH": "1"]

        // A backlog built while the store is down.
        try shared.cluster("stop")
        var restarted = false
        defer { if !restarted { try? shared.cluster("start") } }
        let (proxy, tunnel) = try KillNineTests.startTunnel(config: config, dbUser: h.admin.user, environment: oneChunk)
        let bench = try pgbench(tunnel, seconds: 4, dir: dir)
        let result = bench.wait(timeout: 60)
        XCTAssertEqual(result.status, 0, result.combined)
        let ran = processed(result)
        try shared.cluster("start")
        restarted = true

        // Killed once shipping has begun and before it has ended.
        let chunks = { (try? shared.value("select count(*) from postern_audit_chunks")).flatMap { Int($0) } ?? 0 }
        XCTAssertTrue(eventually(timeout: 30) { chunks() > 0 }, "shipping never resumed")
        proxy.signal(SIGKILL)
        _ = proxy.wait(timeout: 10)
        let shippedAtKill = chunks()
        let backlog = try Subprocess.run(KillNineTests.binary, ["audit", "status", "--config", config]).stdout
        XCTAssertTrue(backlog.contains("audit shipping behind:"), "the kill came after the last batch: \(backlog) (\(shippedAtKill) chunks)")

        // A new tunnel on the same store ships the rest.
        let (again, _) = try KillNineTests.startTunnel(config: config, dbUser: h.admin.user)
        defer { again.signal(SIGTERM); _ = again.wait(timeout: 15) }
        XCTAssertTrue(try waitShipped(config))
        let (count, duplicates) = try probes(config)
        XCTAssertEqual(count, ran)
        XCTAssertEqual(duplicates, 0)
        XCTAssertGreaterThan(chunks(), shippedAtKill)
        let verify = try Subprocess.run(KillNineTests.binary, ["audit", "verify", "--config", config], timeout: 120)
        XCTAssertEqual(verify.status, 0, verify.combined)
    }
}

/// `audit.disk_budget`: with the shared store down, the local backlog reaches the budget and the
/// next statement is refused in PostgreSQL's terms (53100), recorded as refused, and shipped with
/// the rest once the store is back; then statements run again.
final class SharedAuditBudgetTests: XCTestCase {
    func testABacklogAtItsBudgetRefusesStatementsUntilShipped() throws {
        let setup = try SharedTunnelSetup()
        // Dropped (database, directory) only once the test is over.
        defer { withExtendedLifetime(setup) {} }
        let (h, shared, dir) = (setup.h, setup.shared, setup.dir)
        let config = try setup.config(host: "bastion-a", extra: "  disk_budget: 64KiB\n")
        let (proxy, tunnel) = try KillNineTests.startTunnel(config: config, dbUser: h.admin.user)
        defer { proxy.signal(SIGTERM); _ = proxy.wait(timeout: 15) }

        try shared.cluster("stop")
        var restarted = false
        defer { if !restarted { try? shared.cluster("start") } }
        // Statements of half a kilobyte, ten milliseconds apart, until one is refused.
        let padding = String(repeating: "p", count: 500)
        let script = (0..<3000).map { _ in "select '\(padding)' as n, pg_sleep(0.01);" }.joined(separator: "\n")
        let file = dir.appendingPathComponent("statements.sql").path
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try Subprocess.run("psql", [tunnel.conninfo, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-f", file],
                                     environment: ["PGPASSWORD": tunnel.password], timeout: 120)
        XCTAssertNotEqual(run.status, 0, "every statement ran: the budget never refused one")
        XCTAssertTrue(run.stderr.contains("has reached audit.disk_budget"), run.stderr)
        XCTAssertTrue(run.stderr.contains("the statement was not sent"), run.stderr)
        // A new session is refused too, while the store is down.
        let again = try Subprocess.run("psql", [tunnel.conninfo, "-X", "-At", "-c", "select 'while down'"],
                                       environment: ["PGPASSWORD": tunnel.password])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("audit.disk_budget"), again.stderr)

        try shared.cluster("start")
        restarted = true
        XCTAssertTrue(try eventually(timeout: 60) {
            let s = try Subprocess.run(KillNineTests.binary, ["audit", "status", "--config", config])
            return s.stdout.contains("shipped: nothing waits")
        })
        // Refusals are in the shared store, as refused.
        let results = try Subprocess.run(KillNineTests.binary, ["audit", "search", "--config", config, "--format", "json",
                                                               "--type", "db.session.result", "--limit", "100000"])
        XCTAssertTrue(results.stdout.contains("not sent: the audit backlog on this bastion"), results.stdout.suffix(2000).description)
        XCTAssertTrue(try eventually(timeout: 10) {
            let ok = try Subprocess.run("psql", [tunnel.conninfo, "-X", "-At", "-c", "select 'after'"],
                                        environment: ["PGPASSWORD": tunnel.password])
            return ok.status == 0 && ok.stdout == "after\n"
        }, "statements were not accepted again once the backlog was shipped")
    }
}

/// The budget on the Redis engine: the same refusal, in Redis's terms (`-ERR`), recorded as refused.
final class SharedAuditRedisBudgetTests: XCTestCase {
    func testRedisCommandsPastTheBudgetAreRefusedWithAnError() throws {
        let env = try ServiceEnvironment.load()
        let shared = try SharedStoreFixture(env)
        defer { shared.drop() }
        let files = try PrivateConfig("redis-budget")
        defer { files.remove() }
        let config = try files.write(try ServiceDatabaseYAML.aliceRedisConfig(
            env, cluster: "redis-budget", store: files.path("audit.sqlite"),
            auditExtra: ", host: bastion-r, disk_budget: 64KiB, " + (try shared.inlineYAML())))
        XCTAssertEqual(try Subprocess.run(KillNineTests.binary, ["audit", "init-shared", "--config", config]).status, 0)
        let (proxy, banner) = try startJSONTunnel(["cache", "--db-user", "alice"], config: config)
        defer { proxy.signal(SIGTERM); _ = proxy.wait(timeout: 15) }
        let port = try XCTUnwrap(banner["port"] as? Int)
        let auth = ["REDISCLI_AUTH": try XCTUnwrap(banner["password"] as? String)]
        let cli = ["-h", "127.0.0.1", "-p", String(port), "--user", "alice"]

        try shared.cluster("stop")
        var restarted = false
        defer { if !restarted { try? shared.cluster("start") } }
        // Rounds of 200 half-kilobyte SETs (100 KB, past the budget at the first) until one is refused.
        let value = String(repeating: "v", count: 500)
        let commands = (0..<200).map { "SET postern:budget:\($0 % 50) \(value)" }.joined(separator: "\n") + "\n"
        // From a file, not a pipe: redis-cli may end before reading it all.
        let file = files.path("commands.txt")
        try commands.write(toFile: file, atomically: true, encoding: .utf8)
        var output = ""
        XCTAssertTrue(try eventually(timeout: 30) {
            let run = try Subprocess.run("sh", ["-c", "exec redis-cli \"$@\" < \"$0\"", file] + cli, environment: auth, timeout: 60)
            output = run.stdout + run.stderr
            return output.contains("has reached audit.disk_budget")
        }, String(output.suffix(800)))

        try shared.cluster("start")
        restarted = true
        XCTAssertTrue(try eventually(timeout: 60) {
            try Subprocess.run(KillNineTests.binary, ["audit", "status", "--config", config]).stdout.contains("shipped: nothing waits")
        })
        let results = try Subprocess.run(KillNineTests.binary, ["audit", "search", "--config", config, "--format", "json",
                                                               "--type", "db.session.result", "--limit", "100000"])
        XCTAssertTrue(results.stdout.contains("not sent: the audit backlog on this bastion"), String(results.stdout.suffix(1500)))
        XCTAssertTrue(try eventually(timeout: 10) {
            try Subprocess.run("redis-cli", cli + ["PING"], environment: auth).stdout == "PONG\n"
        }, "commands were not accepted again once the backlog was shipped")
    }
}

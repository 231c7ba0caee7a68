import Foundation
import PosternAudit
import PosternCore
import PosternTestSupport
import XCTest

/// `kill -9` of a Redis tunnel in the middle of a pipelined redis-benchmark flood: every key the
/// server holds came from a SET whose audit event is in the store, no event is stored twice, and
/// the store's chains verify.
final class RedisKillNineTests: XCTestCase {
    func testKillNineDuringAPipelineFloodLosesNoForwardedCommand() throws {
        let env = try ServiceEnvironment.load()
        let alice = try env.redis("ALICE")
        let files = try PrivateConfig("redis-kill")
        defer { files.remove() }
        let store = files.path("audit.sqlite")
        let config = try files.write(try ServiceDatabaseYAML.aliceRedisConfig(env, cluster: "redis-kill-test", store: store))
        let prefix = "postern:kill:\(UUID().uuidString.prefix(8)):"
        let direct = ["-h", alice.host, "-p", String(alice.port), "--user", alice.user, "--no-auth-warning"]
        let auth = ["REDISCLI_AUTH": alice.password]
        func serverKeys() throws -> [String] {
            let r = try Subprocess.run("redis-cli", direct + ["--scan", "--pattern", prefix + "*"], environment: auth)
            XCTAssertEqual(r.status, 0, r.combined)
            return r.stdout.split(separator: "\n").map(String.init)
        }
        defer {
            if let keys = try? serverKeys(), !keys.isEmpty {
                let dels = stride(from: 0, to: keys.count, by: 500).map { "DEL " + keys[$0..<min($0 + 500, keys.count)].joined(separator: " ") }
                _ = try? Subprocess.run("redis-cli", direct, environment: auth, stdin: Data((dels.joined(separator: "\n") + "\n").utf8))
            }
        }

        let (proxy, tunnel) = try startJSONTunnel(["cache", "--db-user", "alice"], config: config)
        let port = try XCTUnwrap(tunnel["port"] as? Int)
        let password = try XCTUnwrap(tunnel["password"] as? String)
        let bench = try Subprocess("redis-benchmark", [
            "-h", "127.0.0.1", "-p", String(port), "--user", "alice", "-a", password, "-c", "8", "-P", "16",
            "-n", "100000000", "-r", "100000000", "SET", prefix + "__rand_int__", "v",
        ])
        defer { bench.signal(SIGKILL) } // whatever happens below, no flood is left running
        let busy = try eventually(timeout: 30) { try serverKeys().count >= 2000 }
        XCTAssertTrue(busy, "redis-benchmark did not get going through the tunnel: \(bench.stdoutSoFar)")
        proxy.signal(SIGKILL)
        _ = proxy.wait(timeout: 10)
        let benchEnd = bench.wait(timeout: 30)
        XCTAssertFalse(benchEnd.timedOut, "redis-benchmark hung after the proxy died")

        let keys = try serverKeys()
        let before = try AuditVerifier.verify(storePath: store)
        XCTAssertTrue(before.intact, "the dead tunnel's journal, in place: \(before.problems)")
        let audit = try AuditStore(backend: .sqlite, path: store)
        defer { try? audit.close() }
        let events = try audit.search(AuditSearch(limit: 100_000_000))
        XCTAssertEqual(Set(events.map(\.id)).count, events.count, "an event was stored twice")
        var audited = Set<Substring>()
        for event in events {
            guard case .query(let q) = event.details, q.query.hasPrefix("SET " + prefix) else { continue }
            audited.insert(q.query.dropFirst(4).prefix { $0 != " " })
        }
        let missing = keys.filter { !audited.contains(Substring($0)) }
        XCTAssertGreaterThanOrEqual(keys.count, 2000)
        XCTAssertEqual(missing.count, 0, "\(missing.count) of \(keys.count) keys came from commands with no audit event")
        let after = try audit.verify()
        XCTAssertTrue(after.intact, "\(after.problems)")
        print("redis kill -9: \(keys.count) keys written, \(audited.count) SETs audited, \(after.records) records verified")
    }
}

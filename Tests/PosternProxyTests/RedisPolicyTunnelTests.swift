import Foundation
import PosternCore
import XCTest
@testable import PosternProxy

/// The command policy end to end: redis-cli through a tunnel whose engine uses Postern's policy
/// gates; a denied FLUSHALL (alone and inside MULTI) is answered NOPERM, never reaches the server,
/// and is audited with its error.
final class RedisPolicyTunnelTests: XCTestCase {
    /// A tunnel as the services' Redis `user` (ADMIN, APP) whose role "guardrails" denies `commands`.
    func policyTunnel(denying commands: [String], as user: String) async throws
        -> (ProxyHarness, ProxyServer, ProxyHarness.Tunnel) {
        let guardrails = Role(name: "guardrails", allow: RoleConditions(dbLabels: .everything, dbUsers: ["*"]),
                              deny: RoleConditions(redisCommands: commands))
        let h = try ProxyHarness(roles: [guardrails])
        let engine = RedisEngine(logins: RedisSignIn(), gates: RedisCommandPolicies(login: RedisSignIn(), group: h.group))
        let server = ProxyServer(group: h.group, services: h.services, registry: EngineRegistry([engine]))
        let route = Route(user: h.user, database: try h.redisDatabase(user: user), dbUser: try h.env.redis(user).user)
        let secret = "test-" + UUID().uuidString
        let context = ProxySessionContext(route: route, clientAuthentication: .password(secret),
                                          authorizer: AccessCheckerAuthorizer(try AccessChecker(user: h.user, roles: [guardrails])),
                                          services: h.services)
        let listener = try await server.listenTCP(port: 0, context: context)
        return (h, server, ProxyHarness.Tunnel(port: try XCTUnwrap(listener.port), password: secret, route: route))
    }

    func testDeniedCommandsGetNOPERMAndAreAudited() async throws {
        let (h, server, tunnel) = try await policyTunnel(denying: ["FLUSHALL", "@dangerous"], as: "ADMIN")
        let key = "postern:policy:\(UUID().uuidString)"

        let flush = try h.redisCLI(tunnel, [], stdin: Data("SET \(key) kept\nFLUSHALL\nconfig set maxmemory 1\nGET \(key)\n".utf8))
        XCTAssertEqual(flush.stdout, """
            OK
            NOPERM this command is not allowed by Postern policy: 'flushall' is denied by role guardrails

            NOPERM this command is not allowed by Postern policy: 'config|set' is in @dangerous, denied by role guardrails

            kept

            """, flush.combined)
        let tx = try h.redisCLI(tunnel, [], stdin: Data("MULTI\nINCR \(key):n\nFLUSHALL\nEXEC\nDEL \(key) \(key):n\n".utf8))
        XCTAssertTrue(tx.stdout.hasPrefix("OK\nQUEUED\nNOPERM this command is not allowed by Postern policy: 'flushall'"), tx.combined)
        // As when Redis itself rejects a queued command: EXEC aborts the whole transaction, so the
        // INCR queued before the denied command never ran (DEL finds only the first key).
        XCTAssertTrue(tx.stdout.hasSuffix("\nEXECABORT Transaction discarded because of previous errors.\n\n1\n"), tx.combined)
        let after = try h.redisCLI(tunnel, [], stdin: Data("MULTI\nINCR \(key):m\nEXEC\nDEL \(key):m\n".utf8))
        XCTAssertEqual(after.stdout, "OK\nQUEUED\n1\n1\n", "a clean transaction after an aborted one runs: \(after.combined)")
        await server.shutdown()
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: 3))

        let sessions = h.sink.sessions().map { h.redisEvents($0.id) }
        let first = try XCTUnwrap(sessions.first { $0.queries.contains("FLUSHALL") && $0.queries.contains { $0.hasPrefix("SET") } })
        XCTAssertTrue(first.queries.contains("config set maxmemory 1") || first.queries.contains("CONFIG SET maxmemory 1")
                      || first.queries.contains { $0.lowercased().hasPrefix("config set") }, "\(first.queries)")
        XCTAssertEqual(first.results.compactMap(\.error), [
            "NOPERM this command is not allowed by Postern policy: 'flushall' is denied by role guardrails",
            "NOPERM this command is not allowed by Postern policy: 'config|set' is in @dangerous, denied by role guardrails",
        ], "\(first.results)")
        let aborted = try XCTUnwrap(sessions.first { $0.queries.contains("EXEC") && $0.queries.contains("FLUSHALL") })
        XCTAssertEqual(aborted.results.compactMap(\.error).last, "EXECABORT Transaction discarded because of previous errors.")
    }

    /// The server refuses the MULTI (app_user has no @transaction): the commands after it run at
    /// once, a denied one changes nothing, and EXEC gets what Redis answers that EXEC (its refusal), not
    /// the EXECABORT of a spoiled transaction.
    func testAServerRefusedMULTIWithADeniedCommandGetsEXECsOwnError() async throws {
        let (h, server, tunnel) = try await policyTunnel(denying: ["FLUSHALL"], as: "APP")
        let key = "app:policy:\(UUID().uuidString)"

        let tx = try h.redisCLI(tunnel, [], stdin: Data("MULTI\nSET \(key) ran\nFLUSHALL\nEXEC\nGET \(key)\nDEL \(key)\n".utf8))
        let lines = tx.stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        XCTAssertEqual(lines, [
            "NOPERM this user has no permissions to run the 'multi' command",
            "OK",
            "NOPERM this command is not allowed by Postern policy: 'flushall' is denied by role guardrails",
            "EXECABORT Transaction discarded because of: NOPERM this user has no permissions to run the 'exec' command",
            "ran",
            "1",
        ], tx.combined)
        await server.shutdown()
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: 1))
        let session = try XCTUnwrap(h.sink.sessions().map { h.redisEvents($0.id) }.first { $0.queries.contains("EXEC") })
        XCTAssertEqual(session.results.compactMap(\.error).last,
                       "EXECABORT Transaction discarded because of: NOPERM this user has no permissions to run the 'exec' command")
    }

    /// A script would run DEL out of the relay's sight: with a deny list in force, EVAL, FCALL,
    /// FUNCTION LOAD, SCRIPT LOAD and MODULE are refused, and ordinary commands still run.
    func testScriptingIsDeniedWhileADenyListApplies() async throws {
        let (h, server, tunnel) = try await policyTunnel(denying: ["FLUSHALL", "DEL"], as: "ADMIN")
        let key = "postern:script:\(UUID().uuidString)"
        let commands = """
            SET \(key) kept EX 60
            EVAL "return redis.call('DEL', KEYS[1])" 1 \(key)
            EVAL_RO "return redis.call('GET', KEYS[1])" 1 \(key)
            SCRIPT LOAD "return redis.call('DEL', KEYS[1])"
            EVALSHA 0123456789012345678901234567890123456789 1 \(key)
            FUNCTION LOAD "#!lua name=postern_wipe\\nredis.register_function('wipe', function(k) return redis.call('DEL', k[1]) end)"
            FCALL wipe 1 \(key)
            MODULE LIST
            DEL \(key)
            GET \(key)
            UNLINK \(key)

            """
        let run = try h.redisCLI(tunnel, [], stdin: Data(commands.utf8))
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        func scripting(_ name: String) -> String {
            "NOPERM this command is not allowed by Postern policy: '\(name)' is denied: "
                + "scripting is denied while a deny list applies (role guardrails)"
        }
        XCTAssertEqual(lines, [
            "OK",
            scripting("eval"), scripting("eval_ro"), scripting("script|load"), scripting("evalsha"),
            scripting("function|load"), scripting("fcall"), scripting("module"),
            "NOPERM this command is not allowed by Postern policy: 'del' is denied by role guardrails",
            "kept",
            "1",
        ], run.combined)
        await server.shutdown()
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: 1))
        let session = try XCTUnwrap(h.sink.sessions().map { h.redisEvents($0.id) }.first { $0.queries.contains { $0.hasPrefix("EVAL ") } })
        XCTAssertEqual(session.results.compactMap(\.error).first, scripting("eval"))
        XCTAssertEqual(session.results.compactMap(\.error).count, 8)
    }
}

import Foundation
import NIOConcurrencyHelpers
import PosternCore
import XCTest
@testable import PosternProxy

/// The command gate a session gets: database and role deny lists, categories asked of the real
/// server once per database (and cached), the built-in table when the user may not ask.
final class RedisCommandPolicyGateTests: XCTestCase {
    func authorizer(_ roles: [Role]) throws -> AccessCheckerAuthorizer {
        AccessCheckerAuthorizer(try AccessChecker(user: PosternUser(name: "alice", roles: roles.map(\.name)), roles: roles))
    }

    static let guardrails = Role(name: "guardrails",
                                 allow: RoleConditions(dbLabels: .everything, dbUsers: ["*"]),
                                 deny: RoleConditions(redisCommands: ["FLUSHALL", "@dangerous"]))

    func testCategoriesComeFromTheServerOnceAndRolesAndDatabaseRulesCombine() async throws {
        let f = try RedisSignInFixture()
        var db = f.database(name: "cache-\(f.runID)", auth: .password(.environment("ADMIN_PW")))
        db.redis.deniedCommands = [RedisCommandRule("PUBLISH", source: "database cache")]
        let connects = NIOLockedValueBox(0)
        let login = RedisSignIn(environment: ["ADMIN_PW": f.admin.password])
        let base = RedisCommandPolicies(login: login, group: f.group)
        let counted = RedisCommandPolicies(catalog: base.catalog) { route in
            connects.withLockedValue { $0 += 1 }
            guard let query = base.categoryQuery else { throw RedisAdminError.closed }
            return try await query(route)
        }
        let route = Route(user: PosternUser(name: "alice", roles: ["guardrails"]), database: db, dbUser: f.admin.user)
        let gate = await counted.gate(for: route, authorizer: try authorizer([Self.guardrails]))
        XCTAssertEqual(gate.check(["flushall"]),
                       "NOPERM this command is not allowed by Postern policy: 'flushall' is denied by role guardrails")
        XCTAssertEqual(gate.check(["KEYS", "*"]),
                       "NOPERM this command is not allowed by Postern policy: 'keys' is in @dangerous, denied by role guardrails")
        XCTAssertEqual(gate.check(["publish", "c", "m"]),
                       "NOPERM this command is not allowed by Postern policy: 'publish' is denied by database cache")
        XCTAssertNil(gate.check(["GET", "k"]))
        XCTAssertNil(gate.check(["MULTI"]))
        let table = await counted.catalog.table(for: db, categories: ["dangerous"]) {
            XCTFail("asked the server again")
            throw RedisAdminError.closed
        }
        XCTAssertEqual(table.origins["dangerous"], .server)
        XCTAssertEqual(table.commands(in: "dangerous"), RedisCategoryTable.builtin.commands(in: "dangerous"),
                       "Redis 7.0.15's answer is the built-in table")
        _ = await counted.gate(for: route, authorizer: try authorizer([Self.guardrails]))
        XCTAssertEqual(connects.withLockedValue { $0 }, 1, "categories are asked once per database")

        // Without RBAC roles (another authorizer) only the database's list applies.
        let dbOnly = await counted.gate(for: route, authorizer: AllowEverything())
        XCTAssertNil(dbOnly.check(["FLUSHALL"]))
        XCTAssertNotNil(dbOnly.check(["PUBLISH", "c", "m"]))
    }

    func testAUserThatMayNotAskGetsTheBuiltinTable() async throws {
        let f = try RedisSignInFixture()
        let user = try await f.makeUser("reader", rules: ["on", ">reader-pw-\(f.runID)", "~*", "+@read", "+@connection"])
        let db = f.database(name: "limited-\(f.runID)", auth: .password(.environment("PW")))
        let policies = RedisCommandPolicies(login: RedisSignIn(environment: ["PW": "reader-pw-\(f.runID)"]), group: f.group)
        let route = Route(user: PosternUser(name: "alice", roles: ["guardrails"]), database: db, dbUser: user)
        let gate = await policies.gate(for: route, authorizer: try authorizer([Self.guardrails]))
        XCTAssertNotNil(gate.check(["FLUSHDB"]))
        XCTAssertNotNil(gate.check(["config", "set", "maxmemory", "1"]))
        XCTAssertNil(gate.check(["get", "k"]))
        let table = await policies.catalog.table(for: db, categories: ["dangerous"]) { throw RedisAdminError.closed }
        XCTAssertEqual(table.origins["dangerous"], .builtin)
        await f.cleanUp()
    }

    func testNoRulesAllowsEverythingWithoutAskingTheServer() async throws {
        let policies = RedisCommandPolicies(catalog: RedisCategoryCatalog()) { _ in
            XCTFail("asked the server with no rules")
            throw RedisAdminError.closed
        }
        let db = Database(name: "c", protocol: .redis, uri: "127.0.0.1:1", auth: .managed)
        let route = Route(user: PosternUser(name: "a", roles: []), database: db, dbUser: "u")
        let policy = await policies.policy(for: route, authorizer: try authorizer([.presetAccess]))
        XCTAssertTrue(policy.isEmpty)
        XCTAssertNil(RedisPolicyGate(policy: policy).check(["FLUSHALL"]))
    }
}

private struct AllowEverything: RouteAuthorizer {
    func check(_ route: Route) -> AccessDecision { AccessDecision(allowed: true, role: nil, rule: "test", reason: "test") }
}

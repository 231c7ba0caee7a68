import PosternCore
import XCTest

/// Command policy tables: commands, subcommands and categories (Redis 7.0's built-in table),
/// any case, first rule wins, and the NOPERM text a client sees.
final class RedisCommandPolicyTests: XCTestCase {
    func policy(_ entries: [String], source: String = "role guardrails") -> RedisCommandPolicy {
        RedisCommandPolicy(rules: entries.map { RedisCommandRule($0, source: source) }, table: .builtin)
    }

    func testTable() {
        let p = policy(["FLUSHALL", "@dangerous", "config|set", "@pubsub"])
        let cases: [([String], String?)] = [
            (["GET", "k"], nil),
            (["set", "k", "v"], nil),
            (["flushall"], "flushall"),
            (["FlushDB", "ASYNC"], "flushdb"),          // @dangerous
            (["KEYS", "*"], "keys"),                     // @dangerous
            (["CONFIG", "SET", "maxmemory", "1"], "config|set"),
            (["config", "get", "maxmemory"], "config|get"),  // @dangerous too in Redis 7.0
            (["CLIENT", "KILL", "ID", "1"], "client|kill"),
            (["client", "setname", "x"], nil),
            (["PUBLISH", "c", "m"], "publish"),
            (["MULTI"], nil),
            (["EXEC"], nil),
            (["CONFIG"], nil),                           // no subcommand: the server answers it
            ([], nil),
        ]
        for (argv, denied) in cases {
            XCTAssertEqual(p.check(argv: argv)?.command, denied, "\(argv)")
        }
    }

    func testFirstRuleNamesTheDenialAndTheMessageSaysWhy() throws {
        let p = RedisCommandPolicy(rules: [
            RedisCommandRule("@dangerous", source: "database cache"),
            RedisCommandRule("FLUSHALL", source: "role guardrails"),
        ], table: .builtin)
        let denial = try XCTUnwrap(p.check(command: "FLUSHALL"))
        XCTAssertEqual(denial.rule.source, "database cache")
        XCTAssertEqual(denial.errorText,
                       "NOPERM this command is not allowed by Postern policy: 'flushall' is in @dangerous, denied by database cache")
        XCTAssertEqual(policy(["flushall"]).check(command: "FlushAll")?.errorText,
                       "NOPERM this command is not allowed by Postern policy: 'flushall' is denied by role guardrails")
    }

    func testAllDeniesEverythingEvenUnknownCommands() {
        let p = policy(["@all"])
        XCTAssertNotNil(p.check(command: "GET"))
        XCTAssertNotNil(p.check(command: "MY.MODULECMD"))
        XCTAssertTrue(RedisCommandPolicy.allowAll.isEmpty)
        XCTAssertNil(RedisCommandPolicy.allowAll.check(command: "FLUSHALL"))
    }

    func testAServerTableReplacesTheBuiltinCategory() {
        var table = RedisCategoryTable.builtin
        table.set("dangerous", commands: ["my.wipe"], origin: .server)
        let p = RedisCommandPolicy(rules: [RedisCommandRule("@dangerous", source: "database d")], table: table)
        XCTAssertNotNil(p.check(command: "MY.WIPE"))
        XCTAssertNil(p.check(command: "FLUSHALL"))
        XCTAssertEqual(table.origins["dangerous"], .server)
        XCTAssertEqual(table.origins["read"], .builtin)
    }

    func testACheckIsAHashLookup() {
        let p = policy(["FLUSHALL", "@dangerous", "config|set", "@pubsub", "@admin"])
        let commands: [[String]] = [["GET", "k"], ["SET", "k", "v"], ["CONFIG", "GET", "x"], ["FLUSHALL"]]
        let rounds = 200_000
        let start = ContinuousClock.now
        var denied = 0
        for i in 0..<rounds where p.check(argv: commands[i & 3]) != nil { denied += 1 }
        let perCheck = (ContinuousClock.now - start) / rounds
        XCTAssertEqual(denied, rounds / 2)
        print("RedisCommandPolicy.check: \(perCheck) per command")
        XCTAssertLessThan(perCheck, .microseconds(20), "a debug build on a busy 2-core machine still checks quickly")
    }

    func testBuiltinTableHasEveryRedis7Category() {
        XCTAssertEqual(RedisCategoryTable.categoryNames, [
            "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo",
            "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting",
        ])
        XCTAssertEqual(RedisCategoryTable.builtin.commands(in: "dangerous").count, 75)
        XCTAssertTrue(RedisCategoryTable.builtin.commands(in: "transaction").isSuperset(of: ["multi", "exec", "watch"]))
    }
}

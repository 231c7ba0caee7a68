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

/// A script runs commands the relay never sees, so any deny rule denies scripting too.
final class RedisScriptingDenialTests: XCTestCase {
    func testAnyDenyRuleDeniesScriptingAndModules() throws {
        let p = RedisCommandPolicy(rules: [RedisCommandRule("FLUSHALL", source: "role guardrails")], table: .builtin)
        let denied: [([String], String)] = [
            (["EVAL", "return redis.call('FLUSHALL')", "0"], "eval"),
            (["evalsha", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"], "evalsha"),
            (["EVAL_RO", "return 1", "0"], "eval_ro"),
            (["EVALSHA_RO", "abc", "0"], "evalsha_ro"),
            (["FCALL", "wipe", "0"], "fcall"),
            (["fcall_ro", "peek", "0"], "fcall_ro"),
            (["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() end)"], "function|load"),
            (["function", "restore", "payload"], "function|restore"),
            (["SCRIPT", "LOAD", "return 1"], "script|load"),
            (["MODULE", "LOAD", "/tmp/evil.so"], "module"),
            (["module", "list"], "module"),
        ]
        for (argv, command) in denied {
            let denial = try XCTUnwrap(p.check(argv: argv), "\(argv)")
            XCTAssertEqual(denial.command, command)
            XCTAssertTrue(denial.scripting)
        }
        XCTAssertEqual(p.check(argv: ["EVAL", "return 1", "0"])?.errorText,
                       "NOPERM this command is not allowed by Postern policy: 'eval' is denied: "
                       + "scripting is denied while a deny list applies (role guardrails)")
        // Ordinary commands, and scripting commands that run or load nothing, still pass.
        for argv in [["GET", "k"], ["SET", "k", "v"], ["FUNCTION", "LIST"], ["SCRIPT", "EXISTS", "abc"],
                     ["SCRIPT", "FLUSH"], ["CONFIG", "GET", "maxmemory"], ["MULTI"], ["EXEC"]] {
            XCTAssertNil(p.check(argv: argv), "\(argv)")
        }
        XCTAssertEqual(p.check(argv: ["FLUSHALL"])?.scripting, false)
    }

    func testARuleThatNamesScriptingWinsAndNoRulesAllowScripting() {
        let p = RedisCommandPolicy(rules: [RedisCommandRule("FLUSHALL", source: "role a"),
                                           RedisCommandRule("@scripting", source: "database b")], table: .builtin)
        XCTAssertEqual(p.check(argv: ["EVAL", "return 1", "0"]),
                       RedisCommandDenial(command: "eval", rule: RedisCommandRule("@scripting", source: "database b")))
        XCTAssertNil(RedisCommandPolicy.allowAll.check(argv: ["EVAL", "return redis.call('FLUSHALL')", "0"]))
        XCTAssertNil(RedisCommandPolicy.allowAll.check(argv: ["MODULE", "LOAD", "/x.so"]))
    }
}

import PosternCore
import XCTest

/// The `redis:` block of a database (deny list, managed users), Teleport's `aws.secret_store`, and
/// roles' `deny.redis_commands`, with their errors at file:line.
final class RedisConfigDecodingTests: XCTestCase {
    func decode(_ yaml: String) throws -> PosternConfig {
        try ConfigDecoder.decode(yaml, file: "c.yaml", baseDir: "/cfg").config
    }

    func error(_ yaml: String) -> String {
        do {
            _ = try decode(yaml)
            return "decoded"
        } catch {
            return "\(error)"
        }
    }

    static let managed = """
        databases:
          - name: sessions
            protocol: redis
            uri: 127.0.0.1:63800
            auth: managed
            redis:
              deny_commands: [FLUSHALL, config|set, "@Dangerous"]
              managed_users:
                users: [app_user, reporting]
                rotation_interval: 1h30m
                admin_user: postern_admin
                admin_password_file: secrets/admin
            aws:
              secret_store: {key_prefix: postern/, kms_key_id: alias/postern}
        """

    func testManagedUsersDenyListAndSecretStoreDecode() throws {
        let db = try XCTUnwrap(decode(Self.managed).databases.first)
        XCTAssertEqual(db.auth, .managed)
        XCTAssertEqual(db.type, .selfHosted, "a secret_store alone does not make a database an AWS one")
        XCTAssertEqual(db.redis.deniedCommands.map(\.text), ["flushall", "config|set", "@dangerous"])
        XCTAssertEqual(Set(db.redis.deniedCommands.map(\.source)), ["database sessions"])
        let managed = try XCTUnwrap(db.redis.managedUsers)
        XCTAssertEqual(managed.users, ["app_user", "reporting"])
        XCTAssertEqual(managed.rotationInterval, .seconds(5400))
        XCTAssertEqual(managed.adminUser, "postern_admin")
        XCTAssertEqual(managed.adminPassword, .file("/cfg/secrets/admin"))
        XCTAssertEqual(db.aws.secretStore.keyPrefix, "postern/")
        XCTAssertEqual(db.aws.secretStore.kmsKeyID, "alias/postern")
    }

    func testDefaultsAreTeleports() throws {
        let db = try XCTUnwrap(decode("""
            databases:
              - name: s
                protocol: redis
                uri: 127.0.0.1:63800
                auth: managed
                redis: {managed_users: {users: [app], admin_user: admin, admin_password_env: REDIS_ADMIN}}
            """).databases.first)
        XCTAssertEqual(db.redis.managedUsers?.rotationInterval, .seconds(900))
        XCTAssertEqual(db.redis.managedUsers?.adminPassword, .environment("REDIS_ADMIN"))
        XCTAssertEqual(db.aws.secretStore.keyPrefix, "teleport/")
        XCTAssertEqual(db.aws.secretStore.kmsKeyID, "")
        XCTAssertTrue(db.redis.deniedCommands.isEmpty)
    }

    func testErrorsNameFileLineAndKey() {
        func database(_ extra: String, auth: String = "managed", proto: String = "redis") -> String {
            "databases:\n  - name: s\n    protocol: \(proto)\n    uri: 127.0.0.1:6379\n    auth: \(auth)\n"
                + (auth == "password" ? "    password_env: P\n" : "") + extra
        }
        let cases: [(String, String)] = [
            (database("    redis: {deny_commands: [\"@dangerus\"]}\n"),
             "c.yaml:6: databases[0].redis.deny_commands: \"@dangerus\" is not a Redis ACL category (one of @all, @admin,"),
            (database("    redis: {deny_commands: [\"FLUSH ALL\"]}\n"),
             "c.yaml:6: databases[0].redis.deny_commands: \"FLUSH ALL\" is not a Redis command name"),
            (database("    redis: {deny_commands: [\"a|b|c\"]}\n"), "is not a Redis command name"),
            (database("    redis: {managed_users: {users: [u], admin_user: a, admin_password_env: E}}\n", auth: "password"),
             "c.yaml:7: databases[0].redis.managed_users needs auth: managed"),
            (database("    redis: {deny_commands: [GET]}\n", auth: "password", proto: "postgres"),
             "c.yaml:7: databases[0].redis is for redis databases"),
            (database("    redis:\n      managed_users:\n        users: [u]\n        admin_user: a\n        admin_password_env: E\n        rotation_interval: 15 minutes\n"),
             "c.yaml:11: databases[0].redis.managed_users.rotation_interval must be a duration of at least 1s, such as 15m or 1h"),
            (database("    redis: {managed_users: {users: [u], admin_user: a, admin_password_env: E, rotation_interval: 500ms}}\n"),
             "must be a duration of at least 1s"),
            (database("    redis: {managed_users: {users: [u], admin_user: a, admin_password: hunter2}}\n"),
             "c.yaml:6: databases[0].redis.managed_users.admin_password: inline secrets are not accepted"),
            (database("    redis: {managed_users: {users: [u], admin_user: a}}\n"),
             "databases[0].redis.managed_users needs exactly one of admin_password_file or admin_password_env"),
            (database("    redis: {managed_users: {users: [], admin_user: a, admin_password_env: E}}\n"),
             "databases[0].redis.managed_users.users must list the ACL users Postern manages"),
            (database("    redis: {managed_users: {users: [a], admin_user: a, admin_password_env: E}}\n"),
             "must not include the admin user \"a\""),
            (database("    redis: {managed_users: {users: [u], admin_user: a, admin_password_env: E, interval: 1m}}\n"),
             "c.yaml:6: unknown key \"interval\" in databases[0].redis.managed_users"),
            (database("    aws: {secret_store: {prefix: x/}}\n"), "unknown key \"prefix\" in databases[0].aws.secret_store"),
        ]
        for (yaml, expected) in cases {
            let text = error(yaml)
            XCTAssertTrue(text.contains(expected), "\(yaml)\n→ \(text)\nexpected: \(expected)")
        }
    }

    static let roles = """
        kind: role
        version: v7
        metadata: {name: guardrails}
        spec:
          allow: {db_labels: {'*': '*'}, db_users: ['*']}
          deny:
            redis_commands: [FLUSHALL, "@dangerous"]
        ---
        kind: role
        version: v7
        metadata: {name: no-keys}
        spec:
          deny: {redis_commands: KEYS}
        """

    func testRoleDenyListsApplyToEveryRedisDatabase() throws {
        let roles = try RoleDecoder.decodeAll(Self.roles, file: "roles.yaml")
        XCTAssertEqual(roles.map(\.deny.redisCommands), [["FLUSHALL", "@dangerous"], ["KEYS"]])
        let checker = try AccessChecker(user: PosternUser(name: "alice", roles: ["guardrails", "no-keys"]), roles: roles)
        var db = Database(name: "cache", protocol: .redis, uri: "127.0.0.1:6379", auth: .managed)
        db.redis.deniedCommands = [RedisCommandRule("CONFIG|SET", source: "database cache")]
        let rules = checker.redisCommandRules(on: db)
        XCTAssertEqual(rules.map(\.text), ["config|set", "flushall", "@dangerous", "keys"])
        XCTAssertEqual(rules.map(\.source), ["database cache", "role guardrails", "role guardrails", "role no-keys"])
    }

    func testRoleErrors() {
        func roleError(_ spec: String) -> String {
            do {
                _ = try RoleDecoder.decodeAll("kind: role\nversion: v7\nmetadata: {name: r}\nspec:\n" + spec, file: "r.yaml")
                return "decoded"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(roleError("  allow:\n    redis_commands: [GET]\n"),
                       "r.yaml:6: spec.allow.redis_commands: Redis commands can only be denied (spec.deny.redis_commands)")
        XCTAssertTrue(roleError("  deny:\n    redis_commands: [\"@nope\"]\n")
            .hasPrefix("r.yaml:6: spec.deny.redis_commands: \"@nope\" is not a Redis ACL category"))
    }

    func testDurationsAreWrittenAsGoWritesThem() {
        XCTAssertEqual(DurationText.parse("15m"), .seconds(900))
        XCTAssertEqual(DurationText.parse("1h30m10s"), .seconds(5410))
        XCTAssertEqual(DurationText.parse("250ms"), .milliseconds(250))
        for bad in ["", "15", "m", "1.5h", "-1m", "15 m", "1d", "99999999999999999999h"] {
            XCTAssertNil(DurationText.parse(bad), bad)
        }
    }
}

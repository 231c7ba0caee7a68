import Foundation
import PosternTestSupport
import XCTest

/// The audit pane in the real console against the real PostgreSQL: a statement run in the embedded
/// SQL session shows up as its db.session.query event, and Enter shows the event's JSON.
final class AuditEndToEndTests: XCTestCase {
    /// A private folder (0700) for the config, the audit store and HOME.
    static func workspace() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("postern-audit-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return dir
    }

    /// The console as alice on `config` (written 0600 into `dir`), in tmux at 120x40.
    static func console(_ config: String, in dir: URL) throws -> Tmux {
        let configPath = dir.appendingPathComponent("postern.yaml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configPath)
        let tmux = Tmux()
        try tmux.start("env TERM=xterm-256color LANG=C.UTF-8 LC_ALL= HOME=\(dir.path) \(ConsoleEndToEndTests.binary) --config \(configPath) --as alice",
                       width: 120, height: 40)
        return tmux
    }

    func testAStatementShowsUpInTheAuditPaneWithItsJSON() throws {
        let env = try ServiceEnvironment.load()
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let passwordFile = try env.string("POSTERN_TEST_PG_ALICE_PASSWORD_FILE")
        let config = """
            cluster_name: e2e
            users:
              - name: alice
                roles: [access]
                traits: {db_users: [\(try env.string("POSTERN_TEST_PG_ALICE_USER"))], db_names: [\(try env.string("POSTERN_TEST_PG_APP_DATABASE"))]}
            audit: {backend: sqlite, path: \(dir.path)/audit.sqlite}
            databases:
              - name: orders-prod
                protocol: postgres
                uri: "\(try env.string("POSTERN_TEST_PG_HOST")):\(try env.int("POSTERN_TEST_PG_PORT"))"
                static_labels: {env: prod}
                tls: {mode: verify-full, ca_cert_file: \(try env.string("POSTERN_TEST_PG_CA")), server_name: localhost}
                auth: password
                password_file: \(passwordFile)
              - {name: "evil\\e]0;owned\\a", protocol: redis, uri: "127.0.0.1:6379", static_labels: {env: dev}, auth: managed}

            """
        let tmux = try Self.console(config, in: dir)
        try tmux.waitFor("the browser with the audit key") {
            $0.contains("postern · e2e · alice") && $0.contains("a audit") && $0.contains(#"evil\e]0;owned\u{7}"#)
        }
        try tmux.sendText("a")
        try tmux.waitFor("the empty audit pane") { $0.contains("audit · 0 events · following") }
        try tmux.sendText("a")
        try tmux.sendText("/env=prod")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the filter kept") { $0.contains("filter /env=prod") }
        try tmux.sendKey("Enter")
        try tmux.waitFor("the SQL session") { $0.contains("sql>") && $0.contains("connected") }
        // tmux reads an argument ending in ';' as a command separator: escape it.
        try tmux.sendText("select 40 + 2 as answer\\;")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the result") { $0.contains("SELECT 1") && $0.contains("42") }

        try tmux.sendKey("BTab")  // back from the session to the audit pane
        var screen = try tmux.waitFor("the statement's events") {
            $0.contains("select 40 + 2 as answer;") && $0.contains("SELECT 1 (") && $0.contains("session started as")
        }
        XCTAssertTrue(screen.contains("query        orders-prod"))
        try tmux.sendText("k")
        try tmux.sendKey("Enter")
        screen = try tmux.waitFor("the event's JSON") { $0.contains(#""event": "db.session.query""#) }
        XCTAssertTrue(screen.contains(#""db_service": "orders-prod""#))
        XCTAssertTrue(screen.contains(#""db_query": "select 40 + 2 as answer;""#), screen)
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(password.isEmpty)
        XCTAssertFalse(screen.contains(password), "no secret is drawn")
        try tmux.sendKey("Escape")
        try tmux.waitFor("the list again") { $0.contains(" events · paused") }

        try tmux.sendText("a")
        try tmux.sendText("q")
        try tmux.waitFor("the quit question") { $0.contains("1 session is open") }
        try tmux.sendText("y")
        XCTAssertTrue(tmux.waitUntilGone(), "the console quits")
    }

    /// The Redis session through the console's proxy against the real Redis: PING gets PONG, a
    /// command the database's policy denies gets NOPERM from Postern, and the events are in the audit pane.
    func testRedisPingAndItsEventInTheAuditPane() throws {
        let env = try ServiceEnvironment.load()
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let passwordFile = try env.string("POSTERN_TEST_REDIS_ALICE_PASSWORD_FILE")
        let config = """
            cluster_name: e2e
            users:
              - name: alice
                roles: [access]
                traits: {db_users: [\(try env.string("POSTERN_TEST_REDIS_ALICE_USER"))]}
            audit: {backend: sqlite, path: \(dir.path)/audit.sqlite}
            databases:
              - name: sessions-cache
                protocol: redis
                uri: "\(try env.string("POSTERN_TEST_REDIS_HOST")):\(try env.int("POSTERN_TEST_REDIS_TLS_PORT"))"
                tls: {mode: verify-full, ca_cert_file: \(try env.string("POSTERN_TEST_REDIS_CA")), server_name: localhost}
                auth: password
                password_file: \(passwordFile)
                redis: {deny_commands: [FLUSHALL]}

            """
        let tmux = try Self.console(config, in: dir)
        try tmux.waitFor("the browser") { $0.contains("postern · e2e · alice") && $0.contains("sessions-cache") }
        try tmux.sendKey("Enter")
        try tmux.waitFor("the Redis session") { $0.contains("Redis · sessions-cache · alice") && $0.contains("sessions-cache>") }
        try tmux.sendText("PING")
        try tmux.sendKey("Enter")
        try tmux.waitFor("PONG") { $0.contains("sessions-cache> PING") && $0.contains("PONG") }
        try tmux.sendText("HSET e2e:h field \"héllo 👋\"")
        try tmux.sendKey("Enter")
        try tmux.sendText("HGETALL e2e:h")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the hash") { $0.contains(#""field" => "héllo 👋""#) || $0.contains(#"2) "héllo 👋""#) }
        try tmux.sendText("FLUSHALL")
        try tmux.sendKey("Enter")
        try tmux.waitFor("Postern's refusal") {
            $0.contains("sessions-cache> FLUSHALL")
                && $0.contains("NOPERM this command is not allowed by Postern")
        }
        try tmux.sendText("HGET e2e:h field")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the hash still there") { $0.contains("sessions-cache> HGET e2e:h field") && $0.components(separatedBy: "héllo 👋").count >= 4 }

        try tmux.sendKey("BTab")
        let screen = try tmux.waitFor("the commands' events") {
            $0.contains("sessions-cache") && $0.contains("PING") && $0.contains("FLUSHALL") && $0.contains("audit · ")
        }
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(screen.contains(password), "no secret is drawn")
        try tmux.sendText("a")
        try tmux.sendText("q")
        try tmux.waitFor("the quit question") { $0.contains("1 session is open") }
        try tmux.sendText("y")
        XCTAssertTrue(tmux.waitUntilGone(), "the console quits")
    }
}

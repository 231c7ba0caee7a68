import Foundation
import PosternTestSupport
import XCTest

/// The console's SQL session against the real PostgreSQL of scripts/services, in tmux: filter,
/// Enter connects through the in-process proxy (one allowed user and name: no questions), a query
/// shows its row, Ctrl-C cancels a long one (PQcancel through the proxy), resizing keeps it whole.
final class SQLSessionEndToEndTests: XCTestCase {
    /// A fresh 0700 directory (also the console's XDG_RUNTIME_DIR) with a config for alice on the
    /// test PostgreSQL (`orders-prod`, env=prod) and an unreachable `analytics-dev`.
    static func makeConfig() throws -> (dir: URL, config: String) {
        let env = try ServiceEnvironment.load()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("postern-sql-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let config = dir.appendingPathComponent("postern.yaml").path
        try """
            cluster_name: e2e
            users:
              - name: alice
                roles: [access]
                traits: {db_users: [\(try env.string("POSTERN_TEST_PG_ALICE_USER"))], db_names: [\(try env.string("POSTERN_TEST_PG_APP_DATABASE"))]}
            databases:
              - name: orders-prod
                description: Orders
                protocol: postgres
                uri: \(try env.string("POSTERN_TEST_PG_HOST")):\(try env.string("POSTERN_TEST_PG_PORT"))
                static_labels: {env: prod}
                tls: {mode: verify-full, ca_cert_file: \(try env.string("POSTERN_TEST_PG_CA"))}
                auth: password
                password_file: \(try env.string("POSTERN_TEST_PG_ALICE_PASSWORD_FILE"))
              - {name: analytics-dev, description: Sandbox, protocol: postgres, uri: "127.0.0.1:1", static_labels: {env: dev}, auth: password, password_env: NONE}
            audit: {backend: sqlite, path: \(dir.path)/audit.sqlite}

            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (dir, config)
    }

    func testConnectQueryCancelAndResize() throws {
        let (dir, config) = try Self.makeConfig()
        defer { try? FileManager.default.removeItem(at: dir) }

        let tmux = Tmux()
        try tmux.start("env TERM=xterm-256color LANG=C.UTF-8 LC_ALL= XDG_STATE_HOME=\(dir.path)/state XDG_RUNTIME_DIR=\(dir.path) "
                       + "\(ConsoleEndToEndTests.binary) --config \(config) --as alice", width: 120, height: 40)
        try tmux.waitFor("the browser") { $0.contains("postern · e2e · alice") && $0.contains(" 2/2 ") }
        try tmux.sendText("/env=prod")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the kept filter") { $0.contains("filter /env=prod") && $0.contains(" 1/2 ") }
        try tmux.sendKey("Enter")
        try tmux.waitFor("the SQL session", timeout: 30) { $0.contains("SQL · orders-prod · alice@app") && $0.contains("connected") }

        // tmux reads a trailing `;` as its own separator: it goes as an escaped key.
        try tmux.sendText("select 1 as one, null as nothing, '売上🚀' as wide")
        try tmux.sendKey("\\;")
        try tmux.sendKey("Enter")
        let screen = try tmux.waitFor("the row") { $0.contains("✓ SELECT 1 · 1 row") }
        XCTAssertTrue(screen.contains("one│nothing│wide"), screen)
        XCTAssertTrue(screen.contains("  1│∅      │売上🚀"), screen)

        // The grid: copy a cell over OSC 52 (tmux takes it into its buffer), export the result as JSON.
        try tmux.run(["set-option", "-g", "set-clipboard", "on"])
        try tmux.sendKey("Escape")
        try tmux.sendText("lly")
        try tmux.waitFor("the copy") { $0.contains("copied 3 characters to the clipboard") }
        XCTAssertEqual(try tmux.run(["show-buffer"]).output, "売上🚀")
        let export = dir.appendingPathComponent("result.json").path
        try tmux.sendText("e")
        try tmux.sendKey("C-u")
        try tmux.sendText(export)
        try tmux.sendKey("Enter")
        try tmux.waitFor("the export") { $0.contains("exported 1 rows as JSON") }
        XCTAssertEqual(try String(contentsOfFile: export, encoding: .utf8),
                       "[\n{\"one\":\"1\",\"nothing\":null,\"wide\":\"売上🚀\"}\n]\n")
        try tmux.sendText("i")

        // A backslash command runs on Enter, as a catalog query with the name as a parameter.
        try tmux.sendText("\\d pg_catalog.pg_namespace")
        try tmux.sendKey("Enter")
        try tmux.waitFor("\\d NAME") { $0.contains("Column") && $0.contains("│Type") && $0.contains("nspname") && $0.contains("not null") }

        try tmux.sendText("select pg_sleep(30)")
        try tmux.sendKey("\\;")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the statement running") { $0.contains("● running") }
        try tmux.sendKey("C-c")
        try tmux.waitFor("the cancel", timeout: 10) { $0.contains("✗ cancelled 57014") }
        XCTAssertTrue(tmux.isRunning, "Ctrl-C never quits")

        try tmux.resize(width: 80, height: 24)
        try tmux.waitFor("80x24") { s in
            s.split(separator: "\n").allSatisfy { $0.count <= 80 } && s.contains("SQL · orders-prod") && s.contains("✗ cancelled 57014")
        }
        try tmux.resize(width: 120, height: 40)
        try tmux.waitFor("120x40 again") { s in
            s.split(separator: "\n").contains { $0.count > 100 } && s.contains("SQL · orders-prod")
        }

        // A million rows stream: the status counts them while the grid keeps its first 10000, and
        // the screen answers keys meanwhile (Ctrl-C cancels, unless the last rows are already in).
        try tmux.sendText("select g, md5(g::text) from generate_series(1, 1000000) g")
        try tmux.sendKey("\\;")
        try tmux.sendKey("Enter")
        try tmux.waitFor("rows streaming past the cap", timeout: 60) { $0.contains("rows so far (grid keeps the first 10000)") }
        try tmux.sendKey("C-c")
        try tmux.waitFor("the end of the big result", timeout: 60) {
            $0.contains("✗ cancelled 57014") || $0.contains("✓ SELECT 1000000 · 1000000 rows · grid keeps the first 10000")
        }

        // The session keeps working after a cancel; the history file has the statements.
        try tmux.sendText("select 40 + 2 as answer")
        try tmux.sendKey("\\;")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the next query") { $0.contains("answer") && $0.contains("    42") }
        let history = try String(contentsOfFile: dir.path + "/state/postern/history/orders-prod.jsonl", encoding: .utf8)
        XCTAssertTrue(history.contains("\"select 40 + 2 as answer;\""), history)

        try tmux.sendKey("C-d")
        try tmux.waitFor("the session closed") { !$0.contains("SQL · orders-prod") && $0.contains("orders-prod") }
        try tmux.sendText("q")
        XCTAssertTrue(tmux.waitUntilGone(), "q quits once no session is open")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("postern-console-") }
        XCTAssertEqual(left, [], "the proxy's socket directory is removed on exit")
    }

    /// What another local user could plant at the console's old, predictable socket directory
    /// (`postern-console-<uid>-<pid>`): here a symlink to a directory of ours. The console never
    /// uses it: its sockets go to a new 0700 directory with a random name, removed on exit.
    func testAPlantedSocketDirectoryIsNotUsed() throws {
        let (dir, config) = try Self.makeConfig()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = Tmux()
        try tmux.start("exec env TERM=xterm-256color LANG=C.UTF-8 LC_ALL= XDG_STATE_HOME=\(dir.path)/state XDG_RUNTIME_DIR=\(dir.path) "
                       + "\(ConsoleEndToEndTests.binary) --config \(config) --as alice", width: 120, height: 40)
        try tmux.waitFor("the browser") { $0.contains("postern · e2e · alice") && $0.contains(" 2/2 ") }
        // `exec`: the pane's process is the console itself.
        let pid = try tmux.run(["display-message", "-p", "-t", tmux.session, "#{pane_pid}"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotNil(Int32(pid), pid)
        let planted = "postern-console-\(getuid())-\(pid)"
        let trap = dir.appendingPathComponent("trap").path
        try FileManager.default.createDirectory(atPath: trap, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(planted).path, withDestinationPath: trap)

        try tmux.sendText("/env=prod")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the kept filter") { $0.contains("filter /env=prod") && $0.contains(" 1/2 ") }
        try tmux.sendKey("Enter")
        try tmux.waitFor("the SQL session", timeout: 30) { $0.contains("SQL · orders-prod · alice@app") && $0.contains("connected") }
        try tmux.sendText("select 6 * 7 as answer")
        try tmux.sendKey("\\;")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the row") { $0.contains("answer") && $0.contains("    42") }

        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: trap), [], "nothing went through the planted symlink")
        let made = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasPrefix("postern-console-") && $0 != planted }
        XCTAssertEqual(made.count, 1, "\(made)")
        if let name = made.first {
            var st = stat()
            XCTAssertEqual(lstat(dir.appendingPathComponent(name).path, &st), 0)
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFDIR, "a directory, not a link")
            XCTAssertEqual(st.st_mode & 0o777, 0o700)
            XCTAssertEqual(st.st_uid, geteuid())
            XCTAssertEqual(name.count, "postern-console-XXXXXX".count, name)
        }

        try tmux.sendKey("C-d")
        try tmux.waitFor("the session closed") { !$0.contains("SQL · orders-prod") && $0.contains("orders-prod") }
        try tmux.sendText("q")
        XCTAssertTrue(tmux.waitUntilGone(), "q quits once no session is open")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("postern-console-") }
        XCTAssertEqual(left, [planted], "the console removes its own directory and leaves the planted link alone")
    }
}

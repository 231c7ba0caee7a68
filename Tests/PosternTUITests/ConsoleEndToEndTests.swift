import Foundation
import XCTest

/// The real console in a real terminal (tmux): filter, help, resize, escaped names, Ctrl-C, quit.
final class ConsoleEndToEndTests: XCTestCase {
    static let config = """
        cluster_name: e2e
        users:
          - name: alice
            roles: [access]
            traits: {db_users: [reader], db_names: [app]}
        databases:
          - {name: orders-prod, description: Orders, protocol: postgres, uri: "127.0.0.1:54329", static_labels: {env: prod, team: payments}, auth: password, password_env: E2E_PW}
          - {name: analytics-dev, description: Sandbox, protocol: postgres, uri: "127.0.0.1:54329", static_labels: {env: dev, team: data}, auth: password, password_env: E2E_PW}
          - {name: 売上-sessions, description: "Web 🚀", protocol: redis, uri: "127.0.0.1:63800", static_labels: {env: prod, team: web}, auth: password, password_env: E2E_PW}
          - {name: "evil\\e[31mred", description: "bell\\a", protocol: redis, uri: "127.0.0.1:6379", static_labels: {env: dev}, auth: managed}

        """

    /// `.build/<config>/postern`, next to the test bundle.
    static var binary: String {
        var dir = Bundle.main.bundleURL
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            dir = bundle.bundleURL.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("postern").path
    }

    func testXterm256() throws { try scenario(term: "xterm-256color") }
    func testScreen256() throws { try scenario(term: "screen-256color") }
    func testLinuxConsole() throws { try scenario(term: "linux") }

    func scenario(term: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("postern-tui-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: dir) }
        let configPath = dir.appendingPathComponent("postern.yaml").path
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: configPath))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: configPath)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.binary), "postern is built at \(Self.binary)")

        let tmux = Tmux()
        let command = "env TERM=\(term) LANG=C.UTF-8 LC_ALL= NO_COLOR= \(Self.binary) --config \(configPath) --as alice"
        try tmux.start(command, width: 120, height: 40)

        // The escape sequence is drawn escaped, the CJK name whole.
        var screen = try tmux.waitFor("the browser") {
            $0.contains("postern · e2e · alice") && $0.contains(" 4/4 ") && $0.contains("evil\\e[31mred")
                && $0.contains("売上-sessions")
        }
        XCTAssertFalse(screen.contains("evilred"))

        try tmux.sendText("/env=prod")
        screen = try tmux.waitFor("the filter line with its count") { $0.contains("/env=prod") && $0.contains(" 2/4 ") }
        XCTAssertTrue(screen.contains("orders-prod"))
        XCTAssertFalse(screen.contains("analytics-dev"))
        try tmux.sendKey("Enter")
        try tmux.waitFor("the kept filter") { $0.contains("filter /env=prod") }

        try tmux.sendKey("C-c")
        try tmux.waitFor("Ctrl-C not quitting") { $0.contains("Ctrl-C does not quit here") }

        try tmux.sendText("?")
        try tmux.waitFor("help") { $0.contains("Help · Esc closes") && $0.contains("Database browser") }
        try tmux.sendKey("Escape")
        try tmux.waitFor("help closed") { !$0.contains("Help · Esc closes") && $0.contains("orders-prod") }

        try tmux.resize(width: 80, height: 24)
        screen = try tmux.waitFor("80x24") { s in
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count >= 24 && s.contains(" 2/4 ") && lines.allSatisfy { $0.count <= 80 }
                && lines.first?.contains("2/4 databases") == true
        }
        XCTAssertTrue(screen.contains("orders-prod"))
        try tmux.resize(width: 120, height: 40)
        try tmux.waitFor("120x40 again") { s in
            s.split(separator: "\n").contains { $0.count > 100 } && s.contains(" 2/4 ")
        }

        try tmux.sendKey("Escape")
        try tmux.waitFor("the filter cleared") { $0.contains(" 4/4 ") }
        try tmux.sendText("q")
        XCTAssertTrue(tmux.waitUntilGone(), "q quits the console")
    }
}

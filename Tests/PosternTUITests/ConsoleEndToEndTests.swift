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

    /// NO_COLOR=1 through the console's own path (environment → curses → renderer): the screen has
    /// attributes but no colour; the same console without it does draw colours.
    func testNoColorDrawsAttributesOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("postern-tui-nocolor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: dir) }
        let configPath = dir.appendingPathComponent("postern.yaml").path
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: configPath))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: configPath)

        func styles(noColor: String) throws -> Set<Int> {
            let tmux = Tmux()
            try tmux.start("env TERM=xterm-256color LANG=C.UTF-8 LC_ALL= NO_COLOR=\(noColor) \(Self.binary) --config \(configPath) --as alice",
                           width: 100, height: 30)
            try tmux.waitFor("the browser") { $0.contains("postern · e2e · alice") && $0.contains(" 4/4 ") }
            let screen = try tmux.capture(escapes: true)
            try tmux.sendText("q")
            XCTAssertTrue(tmux.waitUntilGone(), "q quits the console")
            return Self.sgrParameters(screen)
        }
        let plain = try styles(noColor: "1")
        XCTAssertTrue(plain.isDisjoint(with: Self.colourParameters), "NO_COLOR=1 drew colours: SGR \(plain.sorted())")
        XCTAssertTrue(plain.contains(7), "the selected row is reversed: SGR \(plain.sorted())")
        XCTAssertTrue(plain.contains(1), "the header is bold: SGR \(plain.sorted())")
        let coloured = try styles(noColor: "")
        XCTAssertFalse(coloured.isDisjoint(with: Self.colourParameters), "an empty NO_COLOR keeps colours: SGR \(coloured.sorted())")
    }

    /// SGR parameters that set a colour (39 and 49 are the terminal's own).
    static let colourParameters = Set(30...38).union(40...48).union(90...97).union(100...107)

    /// Every parameter of every SGR sequence (`ESC [ … m`) in a `capture-pane -e` screen.
    static func sgrParameters(_ screen: String) -> Set<Int> {
        var out = Set<Int>()
        for part in screen.components(separatedBy: "\u{1B}[").dropFirst() {
            guard let end = part.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ";" || $0 == ":")) }), part[end] == "m" else { continue }
            let params = part[..<end].split(separator: ";", omittingEmptySubsequences: false)
            out.formUnion(params.map { Int($0.split(separator: ":").first ?? "") ?? 0 })
        }
        return out
    }

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

import Foundation
import PosternTestSupport
import XCTest

/// The ForceCommand path end to end: a real sshd on a loopback port (scripts/sshd-test-fixture)
/// whose ForceCommand for alice is postern; `ssh -tt` under tmux reaches the console, which is a
/// client of a real `postern serve` (run as postern), connects and queries. Asking ssh for another
/// command still runs only postern.
final class BastionSSHEndToEndTests: XCTestCase {
    static let roles = """
        kind: role
        version: v7
        metadata: {name: dev}
        spec:
          allow:
            db_labels: {env: test}
            db_users: [alice]
            db_names: [postern_test]
        """

    func testSSHReachesOnlyTheConsoleWhichQueriesThroughTheService() throws {
        let b = try BastionFixture(roles: Self.roles)
        defer { b.cleanUp() }
        let repo = try XCTUnwrap(ServiceEnvironment.repositoryRoot(from: #filePath))
        let fixture = repo.appendingPathComponent("scripts/sshd-test-fixture").path
        let dir = b.root + "/sshd"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let port = try Self.freeLoopbackPort()
        let command = "/usr/bin/env POSTERN_SOCKET=\(b.socket) TERM=xterm-256color LANG=C.UTF-8 \(b.binary)"
        let started = try Subprocess.run(fixture, ["start", dir, String(port), "alice", command], timeout: 60)
        XCTAssertEqual(started.status, 0, started.combined)
        defer { _ = try? Subprocess.run(fixture, ["stop", dir]) }
        let ssh = try XCTUnwrap(started.stdout.split(separator: "\n").last.map(String.init), started.combined)
        XCTAssertTrue(ssh.hasPrefix("ssh -tt "), ssh)

        let tmux = Tmux()
        try tmux.start(ssh, width: 120, height: 40)
        try tmux.waitFor("the console over ssh", timeout: 30) { $0.contains("postern · bastion-test · alice") && $0.contains(" 2/2 ") }
        try tmux.sendText("/^pg")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the filter") { $0.contains(" 1/2 ") }
        try tmux.sendKey("Enter")
        try tmux.waitFor("the SQL session", timeout: 30) { $0.contains("SQL · pg · alice@postern_test") && $0.contains("connected") }
        try tmux.sendText("select 'over ssh' as how")
        try tmux.sendKey("\\;")
        try tmux.sendKey("Enter")
        try tmux.waitFor("the row") { $0.contains("✓ SELECT 1 · 1 row") && $0.contains("over ssh") }
        try tmux.sendKey("C-d")
        try tmux.waitFor("the session closed") { !$0.contains("SQL · pg") }
        try tmux.sendText("q")
        XCTAssertTrue(tmux.waitUntilGone(timeout: 20), "quitting the console ends the ssh session")

        var events: [[String: Any]] = []
        XCTAssertTrue(try eventually(timeout: 15) {
            events = try b.auditEvents(as: "alice")
            return events.contains { ($0["db_query"] as? String)?.contains("over ssh") == true }
        }, "the query is not audited")
        let query = try XCTUnwrap(events.first { ($0["db_query"] as? String)?.contains("over ssh") == true })
        XCTAssertEqual(query["login"] as? String, "alice")
        XCTAssertEqual((query["client_addr"] as? String)?.hasPrefix("127.0.0.1:"), true, "\(query)")

        // Another command asked of ssh: only the ForceCommand runs (postern, which wants a terminal).
        let args = ssh.split(separator: " ").map(String.init).filter { $0 != "-tt" }
        let other = try Subprocess.run(args[0], Array(args.dropFirst()) + ["bash -c id"], timeout: 60)
        XCTAssertFalse(other.combined.contains("uid="), "ssh ran a command of its own: \(other.combined)")
        XCTAssertTrue(other.combined.contains("postern"), other.combined)
    }

    /// A port the kernel hands out on 127.0.0.1 and that is free again once its socket closes.
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw BastionFixtureError("no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A private tmux server for one test (`tmux -L NAME -f /dev/null -u`), driven with posix_spawn:
/// an empty signal mask, default signal actions and no inherited descriptors, so the server it
/// starts holds none of the test runner's pipes. Killed when the test ends.
final class Tmux {
    let socket = "postern-tui-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let session = "console"

    deinit { _ = try? run(["kill-server"]) }

    @discardableResult
    func run(_ args: [String]) throws -> (status: Int32, output: String) {
        try Self.spawn(["/usr/bin/tmux", "-L", socket, "-f", "/dev/null", "-u"] + args)
    }

    func start(_ command: String, width: Int, height: Int) throws {
        let r = try run(["new-session", "-d", "-s", session, "-x", String(width), "-y", String(height), command])
        guard r.status == 0 else { throw TmuxError("tmux new-session failed: \(r.output)") }
    }

    func sendText(_ text: String) throws { try run(["send-keys", "-t", session, "-l", text]) }
    func sendKey(_ name: String) throws { try run(["send-keys", "-t", session, name]) }
    func resize(width: Int, height: Int) throws {
        try run(["resize-window", "-t", session, "-x", String(width), "-y", String(height)])
    }

    func capture(escapes: Bool = false) throws -> String {
        try run(["capture-pane", "-p"] + (escapes ? ["-e"] : []) + ["-t", session]).output
    }

    var isRunning: Bool { ((try? run(["has-session", "-t", session]))?.status ?? 1) == 0 }

    /// Polls the screen until `condition` holds; fails with the last screen after `timeout`.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 15, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if condition(screen) { return screen }
            usleep(50_000)
        }
        XCTFail("timed out waiting for \(what); screen:\n\(screen)", file: file, line: line)
        throw TmuxError("timed out waiting for \(what)")
    }

    func waitUntilGone(timeout: TimeInterval = 15) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !isRunning { return true }
            usleep(50_000)
        }
        return false
    }

    static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// Runs a program to completion, returning its exit status and stdout (+stderr).
    static func spawn(_ argv: [String]) throws -> (status: Int32, output: String) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TmuxError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        // Every other inherited descriptor (glibc ignores closing one that is already closed).
        for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cargs = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cargs, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw TmuxError("posix_spawn \(argv[0]) failed: \(rc)")
        }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n > 0 { output.append(contentsOf: buffer[0..<n]) } else if n == 0 || errno != EINTR { break }
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exit, String(decoding: output, as: UTF8.self))
    }
}

struct TmuxError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

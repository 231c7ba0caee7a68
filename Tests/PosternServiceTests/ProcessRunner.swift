// Runs a command-line client (psql, redis-cli, curl) to completion with Foundation.Process:
// stdin is /dev/null, stdout and stderr are both read to their end (concurrently, so
// neither pipe can fill up and stall the child), and a timeout kills a child that hangs.
//
// Not for programs that leave daemons behind holding the pipes (tmux): see the notes.

import Dispatch
import Foundation

struct ProcessResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool

    /// stdout and stderr together, for failure messages.
    var combined: String { stdout + (stderr.isEmpty ? "" : "\n[stderr] " + stderr) }
}

enum ProcessRunnerError: Error, CustomStringConvertible {
    case notFound(String)

    var description: String {
        switch self {
        case .notFound(let name): return "\(name) not found on PATH (run scripts/install-deps)"
        }
    }
}

enum ProcessRunner {
    /// Environment variables of these prefixes are not passed on, so the caller's own
    /// libpq / redis-cli settings cannot change what a test connects to.
    static let scrubbedPrefixes = ["PG", "REDISCLI_"]

    /// Runs `command` (a path, or a name looked up on PATH) with `arguments`.
    /// `environment` adds to (and overrides) the scrubbed inherited environment.
    static func run(
        _ command: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: TimeInterval = 30
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try resolve(command))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { key, _ in
            !scrubbedPrefixes.contains { key.hasPrefix($0) }
        }
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe

        try process.run()
        let pid = process.processIdentifier

        let errData = DataBox()
        let readers = DispatchGroup()
        readers.enter()
        DispatchQueue.global().async {
            errData.set(errPipe.fileHandleForReading.readDataToEndOfFile())
            readers.leave()
        }
        let killed = FlagBox()
        let watchdog = DispatchWorkItem {
            killed.set()
            kill(pid, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)

        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        readers.wait()
        process.waitUntilExit()
        watchdog.cancel()

        return ProcessResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.get(), as: UTF8.self),
            timedOut: killed.get()
        )
    }

    static func resolve(_ command: String) throws -> String {
        if command.contains("/") { return command }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ProcessRunnerError.notFound(command)
    }
}

private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}

private final class FlagBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    func get() -> Bool { lock.withLock { value } }
}

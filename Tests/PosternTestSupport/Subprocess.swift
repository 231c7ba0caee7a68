// Runs psql, pgbench and the postern binary as child processes: to completion with a timeout,
// or in the background to signal (Ctrl-C cancel, kill -9). libpq's own PG* variables are not
// inherited, so a test's connection is exactly the one it names.

import Foundation

public struct SubprocessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    public var combined: String { stdout + (stderr.isEmpty ? "" : "\n[stderr] " + stderr) }
}

public enum SubprocessError: Error, CustomStringConvertible {
    case notFound(String)
    public var description: String {
        switch self {
        case .notFound(let name): return "\(name) not found on PATH (run scripts/install-deps)"
        }
    }
}

/// A started child whose output is collected in the background.
public final class Subprocess: @unchecked Sendable {
    public let process = Process()
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    private let readers = DispatchGroup()

    public init(_ command: String, _ arguments: [String], environment: [String: String] = [:], stdin: Data? = nil) throws {
        process.executableURL = URL(fileURLWithPath: try Self.resolve(command))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { key, _ in !key.hasPrefix("PG") }
        env.merge(environment) { _, new in new }
        process.environment = env
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let inPipe: Pipe? = stdin == nil ? nil : Pipe()
        process.standardInput = inPipe ?? FileHandle.nullDevice
        try process.run()
        collect(outPipe.fileHandleForReading) { [self] data in lock.withLock { out.append(data) } }
        collect(errPipe.fileHandleForReading) { [self] data in lock.withLock { err.append(data) } }
        if let inPipe, let stdin {
            DispatchQueue.global().async {
                inPipe.fileHandleForWriting.write(stdin)
                try? inPipe.fileHandleForWriting.close()
            }
        }
    }

    private func collect(_ handle: FileHandle, _ sink: @escaping @Sendable (Data) -> Void) {
        readers.enter()
        let group = readers
        DispatchQueue.global().async {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                sink(chunk)
            }
            group.leave()
        }
    }

    public var pid: Int32 { process.processIdentifier }

    /// Only while it runs: once reaped, its pid may belong to another process.
    public func signal(_ sig: Int32) {
        if process.isRunning { kill(process.processIdentifier, sig) }
    }

    /// Output so far.
    public var stdoutSoFar: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    public var stderrSoFar: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    /// Waits for exit; kills the child (SIGKILL) after `timeout` seconds.
    public func wait(timeout: TimeInterval) -> SubprocessResult {
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        var zombieStatus: Int32?
        while process.isRunning {
            // Foundation sometimes misses a child's exit (seen with scripts/services starting a
            // cluster): a child that is a zombie has ended, and /proc says how.
            if let status = Self.zombieExitStatus(process.processIdentifier) {
                zombieStatus = status
                break
            }
            if Date() > deadline, !timedOut {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
            }
            // A child that outlives SIGKILL (stuck in the kernel) is left behind rather than waited for.
            if timedOut, Date() > deadline.addingTimeInterval(10) { return collected(status: -1, timedOut: true) }
            usleep(10_000)
        }
        if zombieStatus == nil { process.waitUntilExit() }
        return collected(status: zombieStatus ?? process.terminationStatus, timedOut: timedOut)
    }

    private func collected(status: Int32, timedOut: Bool) -> SubprocessResult {
        _ = readers.wait(timeout: .now() + 10)
        return lock.withLock {
            SubprocessResult(status: status, stdout: String(decoding: out, as: UTF8.self),
                             stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut)
        }
    }

    /// The exit status of a child that has ended but is not reaped (state Z), from the last field
    /// of /proc/PID/stat (waitpid's form); nil while it runs.
    static func zombieExitStatus(_ pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.first == "Z", let raw = fields.last.flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            return nil
        }
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    }

    public static func run(_ command: String, _ arguments: [String], environment: [String: String] = [:],
                    stdin: Data? = nil, timeout: TimeInterval = 60) throws -> SubprocessResult {
        try Subprocess(command, arguments, environment: environment, stdin: stdin).wait(timeout: timeout)
    }

    public static func resolve(_ command: String) throws -> String {
        if command.contains("/") { return command }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw SubprocessError.notFound(command)
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
public func eventually(timeout: TimeInterval = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

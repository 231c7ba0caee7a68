import ArgumentParser
import PosternAudit
import PosternCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// For the crash test: records synthetic query events into the store at `--path` (never the configured
/// one) from several concurrent sessions, printing each event's uid only after its `record` returned.
/// Whatever uid reached stdout must be in the store after a `kill -9` at any moment.
struct AuditSelftestWrite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest-write",
        abstract: "Record synthetic events and print each acknowledged uid (for crash tests).",
        shouldDisplay: false
    )

    @Option(help: "Store file to write (created).")
    var path: String

    @Option(help: "sqlite or jsonl.")
    var backend: String = "sqlite"

    @Option(help: "normal or full.")
    var synchronous: String = "normal"

    @Option(help: "Events per session.")
    var count = 1000

    @Option(help: "Concurrent sessions.")
    var sessions = 8

    @Flag(help: "Print throughput and record latency percentiles to stderr instead of uids to stdout.")
    var stats = false

    func run() async throws {
        guard let backend = AuditConfig.Backend(rawValue: backend),
              let sync = AuditConfig.Synchronous(rawValue: synchronous) else {
            throw Self.fail(CLIError("--backend must be sqlite or jsonl, --synchronous normal or full"))
        }
        guard count >= 0, sessions >= 0 else { throw Self.fail(CLIError("--count and --sessions must be 0 or more")) }
        let store = try AuditCLI.run { try AuditStore(backend: backend, path: path, synchronous: sync) }
        let db = AuditDatabase(service: "selftest", protocol: "postgres", uri: "127.0.0.1:5432", name: "app", user: "app")
        let clock = ContinuousClock()
        let started = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for n in 0..<sessions {
                group.addTask { [count, stats] in
                    var s = AuditSessionEvents(clusterName: "selftest", user: "writer\(n)", database: db)
                    var took: [Duration] = []
                    for i in 0..<count {
                        let e = s.make(.query(.init(query: "select \(i) -- session \(n)")))
                        let t = clock.now
                        try await store.record(e)
                        if stats { took.append(clock.now - t) } else { Self.acknowledge(e.id) }
                    }
                    return took
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let elapsed = clock.now - started
        try store.close()
        if stats { StandardError.write(Self.report(latencies.sorted(), elapsed: elapsed, backend: backend) + "\n") }
    }

    static func report(_ sorted: [Duration], elapsed: Duration, backend: AuditConfig.Backend) -> String {
        guard let last = sorted.last else { return "no events" }
        func ms(_ d: Duration) -> String {
            let us = d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
            return "\(us / 1000).\(String(us % 1000 + 1000).dropFirst()) ms"
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return "\(backend.rawValue): \(sorted.count) records in \(Int(seconds * 1000)) ms = "
            + "\(Int(Double(sorted.count) / seconds)) records/s; record p50 \(ms(sorted[sorted.count / 2])), "
            + "p99 \(ms(sorted[sorted.count * 99 / 100])), max \(ms(last))"
    }

    /// One write(2) per line: a pipe write this small is atomic, so a reader never sees half a uid.
    static func acknowledge(_ uid: String) {
        let line = Array((uid + "\n").utf8)
        _ = line.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}

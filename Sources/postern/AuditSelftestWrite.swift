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

    func run() async throws {
        guard let backend = AuditConfig.Backend(rawValue: backend),
              let sync = AuditConfig.Synchronous(rawValue: synchronous) else {
            throw Self.fail(CLIError("--backend must be sqlite or jsonl, --synchronous normal or full"))
        }
        let store = try AuditCLI.run { try AuditStore(backend: backend, path: path, synchronous: sync) }
        let db = AuditDatabase(service: "selftest", protocol: "postgres", uri: "127.0.0.1:5432", name: "app", user: "app")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<sessions {
                group.addTask {
                    var s = AuditSessionEvents(clusterName: "selftest", user: "writer\(n)", database: db)
                    for i in 0..<count {
                        let e = s.make(.query(.init(query: "select \(i) -- session \(n)")))
                        try await store.record(e)
                        Self.acknowledge(e.id)
                    }
                }
            }
            try await group.waitForAll()
        }
        try store.close()
    }

    /// One write(2) per line: a pipe write this small is atomic, so a reader never sees half a uid.
    static func acknowledge(_ uid: String) {
        let line = Array((uid + "\n").utf8)
        _ = line.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}

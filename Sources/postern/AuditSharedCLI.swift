import ArgumentParser
import Foundation
import Logging
import PosternAudit
import PosternCore
import PosternService

/// The shared store from the CLI: `audit.shared` in the config sends `audit search|tail` and `play`
/// there (every bastion's events, each with its host), and `audit init-shared` and `audit status`
/// manage it.
extension AuditCLI {
    /// Runs `body` with the shared store's access when the config names one (nil otherwise); the
    /// AWS client used to sign in is shut down afterwards.
    static func withSharedAccess<T: Sendable>(_ options: ConfigOptions, _ body: (SharedAuditAccess?) async throws -> T) async throws -> T {
        let (audit, _) = try location(options)
        guard let shared = audit.shared else { return try await body(nil) }
        let (signIn, _, transport) = ProxyAssembly.signIn(environment: ProcessEnvironment.current,
                                                          fallbackRegion: shared.server.aws.region)
        let access = SharedAuditAccess(config: shared, host: SharedAuditAccess.hostName(audit), signIn: signIn)
        do {
            let value = try await body(access)
            try? await transport.shutdown()
            return value
        } catch {
            try? await transport.shutdown()
            throw error
        }
    }

    static func sharedReader(_ access: SharedAuditAccess) async throws -> SharedAuditReader {
        do {
            return try SharedAuditReader(try await access.spec())
        } catch {
            throw CLIError(String(describing: error))
        }
    }

    /// `time host event user db summary`: a shared store's line names the bastion.
    static func line(_ e: SharedAuditEvent) -> String {
        let db = e.event.database.service.isEmpty ? "-" : e.event.database.service
        return TextSanitizer.escape("\(e.event.time.rfc3339) \(e.host) \(e.event.type.rawValue) \(e.event.user) \(db) \(e.event.summary)")
    }

    /// Teleport's JSON with one key added, `postern_host`: the bastion that recorded the event.
    static func jsonArray(_ events: [SharedAuditEvent]) throws -> String {
        AuditJSON.terminalSafe(String(decoding: try AuditJSON.encoder(pretty: true).encode(events), as: UTF8.self))
    }

    static func jsonLine(_ e: SharedAuditEvent) throws -> String {
        AuditJSON.terminalSafe(String(decoding: try AuditJSON.encoder(pretty: false).encode(e), as: UTF8.self))
    }

    /// A shared store's events, one line each (text) or as one JSON array.
    static func print(_ events: [SharedAuditEvent], format: OutputFormat) throws {
        switch format {
        case .text: for e in events { writeLine(line(e)) }
        case .json: writeLine(try jsonArray(events))
        }
    }

    /// Events as the bastion service sent them: with their hosts when it reads a shared store.
    static func hosted(_ events: [AuditEvent], hosts: [String]?) -> [SharedAuditEvent]? {
        guard let hosts, hosts.count == events.count else { return nil }
        return zip(events, hosts).map { SharedAuditEvent(host: $1, event: $0) }
    }
}

struct AuditInitShared: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-shared",
        abstract: "Create (or bring up to date) the shared audit store's tables in audit.shared's PostgreSQL.",
        discussion: "Idempotent: bastions may run it together. Needs a user that may create tables in the database."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        do {
            let done: String = try await AuditCLI.withSharedAccess(options) { access in
                guard let access else { throw CLIError("no audit.shared in the config: nothing to initialise") }
                do {
                    try SharedAuditStoreAdmin.initialise(try await access.spec())
                } catch {
                    throw CLIError(String(describing: error))
                }
                return "the shared audit store is ready: \(access.config.server.uri)/\(access.config.databaseName)"
            }
            AuditCLI.writeLine(done)
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }
}

struct AuditStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "How far this store's events have been shipped to the shared audit store."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        do {
            let (audit, _) = try AuditCLI.location(options)
            guard audit.shared != nil else { throw CLIError("no audit.shared in the config: this store is not shipped") }
            let store = try AuditCLI.openExisting(options)
            defer { try? store.close() }
            let status = try AuditCLI.run { try AuditShipper.report(store) }
            switch format {
            case .json:
                // The last error is the server's text: escaped like everything else printed.
                AuditCLI.writeLine(AuditJSON.terminalSafe(String(decoding: try AuditJSON.encoder(pretty: true).encode(status), as: UTF8.self)))
            case .text:
                AuditCLI.writeLine(TextSanitizer.escape(status.text))
            }
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }
}

struct AuditShipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ship",
        abstract: "Ship this store's backlog to the shared audit store now, and exit once nothing waits.",
        discussion: """
            Tunnels, the console and the service ship while they run; this ships a store none of them has open \
            (after a crash, or to measure). Prints the events shipped and the rate.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Give up after this many seconds.")
    var timeout = 3600

    func run() async throws {
        do {
            let (audit, _) = try AuditCLI.location(options)
            guard let shared = audit.shared else { throw CLIError("no audit.shared in the config: this store is not shipped") }
            let store = try AuditCLI.openExisting(options)
            defer { try? store.close() }
            let line: String = try await AuditCLI.withSharedAccess(options) { access in
                guard let access else { throw CLIError("no audit.shared in the config") }
                guard let shipper = AuditShipper(store: store, host: access.host, spec: { try access.blockingSpec() },
                                                 logger: Logger(label: "postern.audit.ship"), retentionDays: shared.retentionDays,
                                                 keepLocalDays: shared.keepLocalDays)
                else { throw CLIError("only a sqlite store is shipped") }
                let clock = ContinuousClock()
                let started = clock.now
                shipper.start()
                defer { shipper.stop() }
                while true {
                    let s = shipper.status()
                    if s.backlogEvents == 0, !s.shippedElsewhere { break }
                    if clock.now - started > .seconds(timeout) {
                        throw CLIError("gave up after \(timeout) s: \(s.backlogEvents) events wait"
                                       + (s.lastError.map { " (\($0))" } ?? (s.shippedElsewhere ? " (another process ships this store)" : "")))
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let elapsed = clock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let shipped = shipper.status().shippedEvents
                return "shipped \(shipped) events in \(String(format: "%.2f", seconds)) s"
                    + (shipped > 0 ? " (\(Int(Double(shipped) / max(seconds, 0.001))) events/s)" : "")
            }
            AuditCLI.writeLine(line)
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }
}

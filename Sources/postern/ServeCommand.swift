import ArgumentParser
import Foundation
import Logging
import NIOCore
import PosternAudit
import PosternCore
import PosternService

#if canImport(Glibc)
import Glibc
#endif

/// `postern serve`: the bastion service, run as the dedicated user `postern`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the bastion service: operators' postern connects to it, it holds the config, secrets, AWS credentials and audit store.",
        discussion: """
            Runs as the system user postern (never as root). Reads /etc/postern/postern.yaml (or --config), \
            which with its roles must be owned by root or postern and not writable by others; password files \
            must be readable by postern only. Listens on serve.socket (default /run/postern/postern.sock), \
            0666 or 0660 for serve.group; every connection is known by its peer credentials. The audit store \
            defaults to /var/lib/postern/audit/audit.sqlite. SIGHUP or a change of the config or role files \
            reloads the config: new sessions see the new roles, and open sessions whose access is gone are \
            ended (audited). SIGINT/SIGTERM end every session cleanly.
            """
    )

    @Option(help: "Config file (default: $POSTERN_CONFIG, else /etc/postern/postern.yaml).")
    var config: String?

    @Option(help: "Event loops (default: one per core).")
    var threads: Int?

    static let defaultStore = "/var/lib/postern/audit/audit.sqlite"

    func run() async throws {
        do {
            try await serve()
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }

    private func serve() async throws {
        do {
            try BastionDeployment.checkUser(euid: geteuid())
        } catch {
            throw CLIError(error.description)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "postern.serve")
        let environment = ProcessEnvironment.current
        let path = ConfigLocation.resolve(flag: config, environment: environment)
        let source: ConfigSource
        do {
            source = try ConfigSource(path: path)
            try BastionDeployment.checkFiles(source.config, serviceUID: geteuid())
        } catch let e as BastionServiceError {
            throw CLIError(e.description)
        } catch {
            throw CLIError("\(error)")
        }
        let audit = source.config.audit
        let storePath = audit.path ?? (audit.backend == .sqlite ? Self.defaultStore : "/var/lib/postern/audit/audit.jsonl")
        let store: AuditStore
        do {
            store = try AuditStore(backend: audit.backend, path: storePath, synchronous: audit.synchronous)
        } catch {
            throw CLIError("cannot open the audit store \(storePath), and Postern never proxies unaudited: \(error)")
        }
        if let threads, !(1...64).contains(threads) { throw CLIError("--threads must be between 1 and 64") }
        let service = BastionService(source: source, store: store, environment: environment,
                                     threads: threads ?? System.coreCount, logger: logger)
        let socket: String
        do {
            socket = try await service.listen()
        } catch {
            throw CLIError("cannot listen: \(error)")
        }
        source.watch(onHangup: true) { change in service.configChanged(change) }
        let stop = SignalWaiter([SIGINT, SIGTERM])
        logger.notice("ready", metadata: ["socket": "\(socket)", "store": "\(storePath)", "config": "\(path)"])
        await stop.wait()
        logger.notice("stopping: ending every session")
        source.stopWatching()
        await service.shutdown()
        try? store.close()
    }
}

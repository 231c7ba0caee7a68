import ArgumentParser
import Foundation
import PosternAudit
import PosternCore
import PosternProxy
import PosternService
import PosternTUI

/// `postern` with no subcommand: the terminal console on the databases the user's roles permit.
struct Console: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the terminal console (the default): browse and filter the databases your roles permit."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Theme: default-dark, light, solarized-16, high-contrast, or a path to a theme YAML file (default: the config's console.theme, else default-dark).")
    var theme: String?

    func run() async throws {
        do {
            if let client = try BastionMode.client(options) { return try await runOnBastion(client) }
            let source = try options.source()
            let session = try options.session(source.current)
            let environment = ProcessEnvironment.current
            let loaded = try loadTheme(configPath: session.config.path, configured: session.config.console.theme,
                                       environment: environment)
            let inventory = InventorySnapshot(databases: session.config.databases, checker: session.checker,
                                              clusterName: session.config.clusterName)
            var notes = loaded.note.map { [$0] } ?? []
            // One store for the audit pane and the sessions' proxy. Without it both are left out, with
            // a note: the browser still works, and Postern never proxies unaudited.
            var store: AuditStore?
            do {
                store = try AuditStore.open(session.config.audit, environment: environment, home: AuditCLI.homeDirectory())
            } catch {
                notes.append("no audit pane and no sessions: \(error)")
            }
            let proxy = store.map { ConsoleProxy(session: session, store: $0, environment: environment, source: source) }
            // With a shared store the pane shows every bastion's events; without, this store's.
            let feed: (any AuditFeed)? = proxy?.sharedAccess.map { SharedAuditFeed(access: $0) } ?? store.map { StoreAuditFeed(store: $0) }
            var launch = ConsoleApp.Launch(inventory: inventory, theme: loaded.theme,
                                           noColor: ColorDepth.noColorRequested(environment),
                                           notes: notes, auditFeed: feed)
            defer { try? store?.close() }
            launch.opener = proxy
            launch.historyDirectory = ConsoleServices.defaultHistoryDirectory(environment)
            if let shipper = proxy?.shipper { launch.shippingStatus = { shipper.behind() } }
            let status: Int32
            do {
                status = try await ConsoleApp.run(launch)
            } catch {
                await proxy?.shutdown()
                throw CLIError(error.description)
            }
            await proxy?.shutdown()
            if status != 0 { throw ExitCode(status) }
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }
}

extension Console {
    /// The console as a client of the bastion service: what it shows comes from the service, and
    /// every session goes through it.
    private func runOnBastion(_ client: BastionClient) async throws {
        let reply = try BastionMode.ask(client, BastionRequest(op: .console))
        guard let view = reply.console else { throw CLIError("the Postern service sent no console view") }
        let checker: AccessChecker
        do {
            checker = try AccessChecker(user: view.user, roles: view.roles)
        } catch {
            throw CLIError("the service's roles for you do not compile here: \(error)")
        }
        let environment = ProcessEnvironment.current
        let loaded = try loadTheme(configPath: ConfigLocation.systemDefault, configured: nil, environment: environment)
        let inventory = InventorySnapshot(databases: view.databases, checker: checker, clusterName: view.cluster)
        var launch = ConsoleApp.Launch(inventory: inventory, theme: loaded.theme,
                                       noColor: ColorDepth.noColorRequested(environment),
                                       notes: loaded.note.map { [$0] } ?? [], auditFeed: BastionAuditFeed(client: client))
        let directory: String
        do {
            directory = try PrivateDirectory.create(prefix: "postern-console-", environment: environment)
        } catch {
            throw CLIError(error.description)
        }
        let opener = BastionSessionOpener(client: client, directory: directory)
        launch.opener = opener
        launch.historyDirectory = ConsoleServices.defaultHistoryDirectory(environment)
        let status: Int32
        do {
            status = try await ConsoleApp.run(launch)
        } catch {
            await opener.shutdown()
            throw CLIError(error.description)
        }
        await opener.shutdown()
        if status != 0 { throw ExitCode(status) }
    }

    /// `--theme`, else the configured one, else the default; a problem is one clear line.
    private func loadTheme(configPath: String, configured: String?, environment: [String: String]) throws
        -> (theme: Theme, note: String?)
    {
        let locator = ThemeLocator.standard(configPath: configPath, environment: environment,
                                            executablePath: Bundle.main.executablePath ?? CommandLine.arguments[0])
        do {
            return try locator.load(theme ?? configured)
        } catch {
            throw CLIError(error.description)
        }
    }
}

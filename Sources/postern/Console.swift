import ArgumentParser
import Foundation
import PosternAudit
import PosternCore
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
            let session = try options.session()
            let environment = ProcessEnvironment.current
            let locator = ThemeLocator.standard(configPath: session.config.path, environment: environment,
                                                executablePath: Bundle.main.executablePath ?? CommandLine.arguments[0])
            let loaded: (theme: Theme, note: String?)
            do {
                loaded = try locator.load(theme ?? session.config.console.theme)
            } catch {
                throw CLIError(error.description)
            }
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
            var launch = ConsoleApp.Launch(inventory: inventory, theme: loaded.theme,
                                           noColor: ColorDepth.noColorRequested(environment),
                                           notes: notes, auditFeed: store.map { StoreAuditFeed(store: $0) })
            let proxy = store.map { ConsoleProxy(session: session, store: $0, environment: environment) }
            defer { try? store?.close() }
            launch.opener = proxy
            launch.historyDirectory = ConsoleServices.defaultHistoryDirectory(environment)
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

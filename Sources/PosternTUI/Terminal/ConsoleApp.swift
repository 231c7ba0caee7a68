import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts the console on the terminal: what `postern` with no subcommand runs.
public enum ConsoleApp {
    public struct Launch: Sendable {
        public var inventory: InventorySnapshot
        public var theme: Theme
        public var noColor: Bool
        /// Shown on the status line at start (a missing theme, …).
        public var notes: [String]
        /// The audit pane's events (`a`); nil leaves the pane out.
        public var auditFeed: (any AuditFeed)?
        /// Opens sessions through the console's proxy; nil: Enter on a database says it cannot connect.
        public var opener: (any SessionOpener)?
        /// Where per-database SQL history is kept (nil: in memory only).
        public var historyDirectory: String?
        /// "audit shipping behind: …" while the shared audit store lags (nil otherwise), asked
        /// every two seconds off the UI thread; nil when there is no shared store.
        public var shippingStatus: (@Sendable () -> String?)?

        public init(inventory: InventorySnapshot, theme: Theme, noColor: Bool, notes: [String] = [],
                    auditFeed: (any AuditFeed)? = nil) {
            self.inventory = inventory
            self.theme = theme
            self.noColor = noColor
            self.notes = notes
            self.auditFeed = auditFeed
        }
    }

    /// Runs until the user quits; returns the exit status (128+signal after SIGTERM or SIGHUP).
    public static func run(_ launch: Launch) async throws(TerminalError) -> Int32 {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError("the console needs a terminal; in scripts use `postern db ls`")
        }
        let terminal = try CursesTerminal()
        // Ctrl-C is a key in raw mode; a SIGINT sent some other way must not kill the console
        // with the terminal left raw. SIGTERM and SIGHUP end it cleanly through the loop.
        signal(SIGINT, SIG_IGN)
        let sources = [SIGTERM, SIGHUP].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { terminal.post(signal: number) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        let status = launch.notes.isEmpty ? nil : StatusMessage(launch.notes.joined(separator: "; "))
        var initial = ConsoleState(inventory: launch.inventory, width: 80, height: 24, status: status)
        if launch.auditFeed != nil { initial.attachAudit() }
        initial.services = launch.opener.map { opener in
            ConsoleServices(opener: opener, post: { terminal.post($0) }, historyDirectory: launch.historyDirectory,
                            launchers: [.postgres: SQLSessionLauncher(), .redis: RedisSessionLauncher()])
        }
        let auditPump = launch.auditFeed.map { AuditPump.start($0, post: terminal.post) }
        defer { auditPump?.cancel() }
        let shippingWatch = launch.shippingStatus.map { status in
            Task.detached {
                var shown: String?
                while !Task.isCancelled {
                    let now = status()
                    if now != shown {
                        shown = now
                        terminal.post(.auditShipping(now))
                    }
                    try? await Task.sleep(for: .seconds(2))
                }
            }
        }
        defer { shippingWatch?.cancel() }
        let outcome = try await terminal.run(initial, theme: launch.theme, noColor: launch.noColor)
        return outcome.signal.map { 128 + $0 } ?? 0
    }
}

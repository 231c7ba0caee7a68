import Foundation
import PosternCore

/// Starts the session of one protocol once the connect dialog has a request: the SQL session for
/// PostgreSQL; the Redis session plugs in the same way. It reports to the dialog with
/// `ConnectProgress` updates and, once connected, closes the dialog and opens its own pane.
public protocol SessionLauncher: Sendable {
    func launch(_ request: ConnectRequest, dialog: PaneID, services: ConsoleServices)
}

/// A step of connecting, posted to the dialog's pane.
public struct ConnectProgress: PaneUpdate {
    public enum Step: Sendable, Equatable {
        /// A line of progress ("credentials: IAM token signed").
        case note(String)
        /// Connecting failed; the dialog shows why and stays open.
        case failed(String)
    }

    public let step: Step
    public init(_ step: Step) { self.step = step }
}

/// What the console's panes need from outside the pure state: the proxy opener, the way back to
/// the terminal (`post`), and where history lives. Set once when the console starts.
public final class ConsoleServices: Sendable {
    public let opener: any SessionOpener
    /// Posts an event to the terminal's loop (from any thread).
    public let post: @Sendable (ConsoleEvent) -> Void
    /// Per-database SQL history files go here; nil keeps history in memory only.
    public let historyDirectory: String?
    public let launchers: [DatabaseProtocol: any SessionLauncher]
    private let counter = Counter()

    public init(opener: any SessionOpener, post: @escaping @Sendable (ConsoleEvent) -> Void,
                historyDirectory: String?, launchers: [DatabaseProtocol: any SessionLauncher]) {
        self.opener = opener
        self.post = post
        self.historyDirectory = historyDirectory
        self.launchers = launchers
    }

    /// A fresh number for pane ids and socket names.
    public func next() -> Int { counter.next() }

    /// `$XDG_STATE_HOME/postern/history`, else `~/.local/state/postern/history`.
    public static func defaultHistoryDirectory(_ environment: [String: String]) -> String? {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/postern/history" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/postern/history" }
        return nil
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}

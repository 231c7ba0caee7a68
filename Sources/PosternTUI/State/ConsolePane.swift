/// Identifies an open pane; the code that opens a pane picks it, and posts updates with it.
public struct PaneID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// An immutable result posted back from background work (rows of a query, audit events, a reply).
public protocol PaneUpdate: Sendable {}

/// What a pane tells the console after handling something.
public enum PaneResponse: Equatable, Sendable {
    case handled
    /// Not for this pane: Esc then backs out to the browser.
    case ignored
    case close
    case status(String)
}

/// A pane that plugs in beside the database browser: a SQL or Redis session, the audit tail.
/// Panes are values inside `ConsoleState`; slow work runs elsewhere and comes back as `PaneUpdate`s
/// through `ConsoleEvent.paneUpdate`, so the reducer stays pure and the screen never waits.
public protocol ConsolePane: Sendable {
    /// Shown as the pane's tab.
    var title: String { get }
    /// Sessions count toward `ConsoleState.openSessions`: quitting asks first while any is open.
    var isSession: Bool { get }
    /// The keymap scope of this pane's bindings (`KeyScope.pane(name)`), looked up before `.global`.
    var keyScope: KeyScope { get }
    /// A bound key's command (from the keymap, the single source of truth for help too).
    mutating func perform(_ command: Command) -> PaneResponse
    /// A key with no binding in this pane's scope (text entry).
    mutating func input(_ key: Key) -> PaneResponse
    mutating func apply(_ update: any PaneUpdate) -> PaneResponse
    func draw(on screen: inout VirtualScreen, in rect: Rect, theme: Theme, focused: Bool)
    /// Key hints for the status line while the pane has the keys; empty gives generic ones.
    var hints: String { get }
}

extension ConsolePane {
    public var hints: String { "" }
}

public struct PaneSlot: Sendable {
    public let id: PaneID
    public var pane: any ConsolePane

    public init(id: PaneID, pane: any ConsolePane) {
        self.id = id
        self.pane = pane
    }
}

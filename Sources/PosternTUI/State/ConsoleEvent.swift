/// Everything that can change the console: keys from the terminal, and snapshots from background work.
public enum ConsoleEvent: Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    /// A new inventory (config reload, discovery): the list refreshes, the selection stays on its name.
    case inventory(InventorySnapshot)
    /// A one-line message for the status line.
    case notice(String, isError: Bool)
    /// The shared audit store's backlog, when shipping is behind (nil: it is not); kept on the
    /// status line until it clears.
    case auditShipping(String?)
    /// Opens a pane (bringing its key bindings) and focuses it.
    case openPane(PaneSlot, bindings: [KeyBinding])
    case paneUpdate(PaneID, any PaneUpdate)
    case closePane(PaneID)
    /// Idle time: checks the next chunk of rows for a running regular-expression filter.
    case filterStep
}

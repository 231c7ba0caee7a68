extension Command {
    /// `a`: between the databases and the audit pane.
    public static let toggleAudit = Command("audit")
    public static let auditShowJSON = Command("audit-json")
    public static let auditFilterSession = Command("audit-session")
    public static let auditFilterType = Command("audit-type")
}

extension AuditPane {
    /// The pane's keys, and `a` in the browser; added to the keymap (and so to help) when the pane is.
    public static let bindings: [KeyBinding] = [
        KeyBinding([.char("a")], .toggleAudit, .browser, "audit pane: live tail of events"),
        KeyBinding([.char("a")], .toggleAudit, scope, "back to the databases (the tail goes on)"),
        KeyBinding([.char("j"), .down], .down, scope, "newer event / scroll the JSON down"),
        KeyBinding([.char("k"), .up], .up, scope, "older event / scroll the JSON up"),
        KeyBinding([.char("g"), .home], .top, scope, "oldest event kept"),
        KeyBinding([.char("G"), .end], .bottom, scope, "newest event, and follow new ones"),
        KeyBinding([.pageDown, .ctrl("f")], .pageDown, scope, "page down"),
        KeyBinding([.pageUp, .ctrl("b")], .pageUp, scope, "page up"),
        KeyBinding([.enter], .auditShowJSON, scope, "the event's JSON (Enter or Esc closes it)"),
        KeyBinding([.char("s")], .auditFilterSession, scope, "only the selected event's session (again: all)"),
        KeyBinding([.char("t")], .auditFilterType, scope, "only the selected event's type (again: all)"),
        KeyBinding([.escape], .back, scope, "close the JSON, clear the filter, then back"),
        KeyBinding([.char("?")], .help, scope, "help"),
    ]
}

extension ConsoleState {
    /// Adds the audit pane beside the browser without focusing it: it collects events from the start,
    /// and `a` shows it.
    public mutating func attachAudit(_ pane: AuditPane = AuditPane()) {
        guard !panes.contains(where: { $0.id == AuditPane.id }) else { return }
        panes.append(PaneSlot(id: AuditPane.id, pane: pane))
        for b in AuditPane.bindings { keymap.add(b) }
    }

    /// `a`: shows the audit pane, or goes back to the databases from it.
    mutating func toggleAudit() {
        guard panes.contains(where: { $0.id == AuditPane.id }) else { return }
        focus = focus == .pane(AuditPane.id) ? .list : .pane(AuditPane.id)
    }
}

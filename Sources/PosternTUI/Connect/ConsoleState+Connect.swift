extension ConsoleState {
    /// Enter on a database: the connect dialog in a pane of its own (one per database).
    mutating func openConnectDialog(_ row: DatabaseRow) {
        guard let services else {
            status = StatusMessage("this console has no proxy: cannot connect to \(row.name)", isError: true)
            return
        }
        let id = PaneID("connect-\(services.next())")
        panes.removeAll { $0.pane is ConnectDialog && $0.pane.title == "connect " + row.name }
        let dialog = ConnectDialog(id: id, database: row.database, checker: inventory.checker, services: services)
        apply(.openPane(PaneSlot(id: id, pane: dialog), bindings: ConnectDialog.bindings))
    }
}

import PosternCore

/// The database list (name, protocol/type, allowed users, labels) and the details pane.
struct BrowserView {
    let theme: Theme

    func draw(_ s: ConsoleState, on screen: inout VirtualScreen, layout: BrowserLayout) {
        drawList(s, on: &screen, layout.list)
        guard let d = layout.details else { return }
        if d.y == layout.list.y {
            for y in d.y..<d.maxY { screen.put("│", x: d.x - 1, y: y, style: theme[.border]) }
        }
        drawDetails(s, on: &screen, d)
    }

    struct Columns {
        let name: Int, type: Int, users: Int

        init(width: Int, inventory: InventorySnapshot) {
            name = max(4, min(inventory.nameWidth, max(12, width / 3)))
            type = max(4, min(inventory.typeWidth, 22))
            users = min(18, max(8, width - name - type - 3 - 12))
        }
    }

    func drawList(_ s: ConsoleState, on screen: inout VirtualScreen, _ r: Rect) {
        guard r.height >= 1 else { return }
        let cols = Columns(width: r.width, inventory: s.inventory)
        let xs = [r.x, r.x + cols.name + 1, r.x + cols.name + cols.type + 2, r.x + cols.name + cols.type + cols.users + 3]
        screen.fill(Rect(x: r.x, y: r.y, width: r.width, height: 1), style: theme[.header])
        for (i, title) in ["NAME", "TYPE", "ALLOWED USERS", "LABELS"].enumerated() {
            screen.put(title, x: xs[i], y: r.y, style: theme[.header], clip: r)
        }
        let visible = s.browser.visible
        if visible.isEmpty {
            let why = s.inventory.count == 0 ? "no databases: your roles permit none" : "no database matches the filter (Esc clears it)"
            screen.put(why, x: r.x + 1, y: r.y + 1, style: theme[.muted], clip: r, ellipsis: true)
            return
        }
        let rows = max(0, r.height - 1)
        for i in 0..<rows {
            let index = s.browser.scroll + i
            guard index < visible.count else { break }
            let row = s.inventory.rows[Int(visible[index])]
            let y = r.y + 1 + i
            let selected = index == s.browser.selected
            let base: StyleRole? = selected ? (s.focus == .list && !s.filter.isEditing ? .selected : .selectedInactive) : nil
            if let base { screen.fill(Rect(x: r.x, y: y, width: r.width, height: 1), style: theme[base]) }
            let users = s.inventory.checker.allowedUsers(row.database).display
            let cells: [(String, StyleRole, Int)] = [
                (row.name, .normal, cols.name), (row.protocolText + "/" + row.typeText, .muted, cols.type),
                (users, .normal, cols.users), (row.labelsText, .labels, r.maxX - xs[3]),
            ]
            for (i, cell) in cells.enumerated() {
                let clip = Rect(x: xs[i], y: y, width: min(cell.2, r.maxX - xs[i]), height: 1)
                screen.put(cell.0, x: xs[i], y: y, style: theme[base ?? cell.1], clip: clip, ellipsis: true)
            }
        }
    }

    func drawDetails(_ s: ConsoleState, on screen: inout VirtualScreen, _ r: Rect) {
        let focused = s.focus == .details
        let rule = String(repeating: "─", count: r.width)
        screen.put(rule, x: r.x, y: r.y, style: theme[.border], clip: r)
        let title = focused ? " details (j/k scroll, Esc back) " : " details (Tab) "
        screen.put(title, x: r.x + 1, y: r.y, style: theme[focused ? .paneTitle : .border], clip: r, ellipsis: true)
        guard let row = s.selectedRow else { return }
        let lines = DetailsModel(row: row, checker: s.inventory.checker, width: r.width).lines
        let body = Rect(x: r.x, y: r.y + 1, width: r.width, height: r.height - 1)
        for (i, line) in lines.dropFirst(s.browser.detailsScroll).prefix(body.height).enumerated() {
            line.draw(on: &screen, x: body.x + 1, y: body.y + i, clip: body, theme: theme)
        }
    }
}

import PosternCore

/// Draws the audit pane: a status row (count, following or paused, filter), the column header and
/// the events, newest at the bottom; or one event's JSON.
struct AuditPaneView {
    let pane: AuditPane
    let theme: Theme

    func draw(on screen: inout VirtualScreen, in r: Rect, focused: Bool) {
        guard r.height >= 1 else { return }
        if let detail = pane.detail {
            drawJSON(detail, on: &screen, in: r)
        } else {
            drawList(on: &screen, in: r, focused: focused)
        }
    }

    func drawTitle(_ text: String, on screen: inout VirtualScreen, in r: Rect) {
        screen.put(String(repeating: "─", count: r.width), x: r.x, y: r.y, style: theme[.border], clip: r)
        screen.put(text, x: r.x + 1, y: r.y, style: theme[.paneTitle], clip: r, ellipsis: true)
    }

    func drawList(on screen: inout VirtualScreen, in r: Rect, focused: Bool) {
        let rows = pane.visible
        var title = " audit · \(pane.received) event\(pane.received == 1 ? "" : "s")"
        if pane.received > pane.events.count { title += " (last \(pane.events.count) kept)" }
        title += pane.isFollowing ? " · following " : " · paused "
        if let sid = pane.filter.sessionID { title += "· session \(AuditPane.short(sid)) " }
        if let type = pane.filter.type { title += "· \(type) " }
        if pane.filter.isActive { title += "· \(rows.count) shown " }
        drawTitle(title, on: &screen, in: r)
        guard r.height >= 2 else { return }

        let cols = Columns(width: r.width)
        let header = Rect(x: r.x, y: r.y + 1, width: r.width, height: 1)
        screen.fill(header, style: theme[.header])
        for (title, x) in zip(cols.titles, cols.xs(r.x)) { screen.put(title, x: x, y: header.y, style: theme[.header], clip: header) }

        let body = Rect(x: r.x, y: r.y + 2, width: r.width, height: r.height - 2)
        guard !rows.isEmpty else {
            let why = pane.events.isEmpty ? "no audit events yet: they appear here as sessions run" : "no event matches (Esc shows all)"
            screen.put(why, x: body.x + 1, y: body.y, style: theme[.muted], clip: body, ellipsis: true)
            return
        }
        let selection = pane.selected ?? rows.last  // (not pane.selection: that filters again)
        let position = selection.flatMap { s in rows.firstIndex { $0 >= s } } ?? rows.count - 1
        // The selection sits mid-screen where it can; following keeps the newest on the last row.
        let top = max(0, min(position - body.height / 2, rows.count - body.height))
        for (i, sequence) in rows[top..<min(rows.count, top + body.height)].enumerated() {
            let record = pane.events[sequence]
            let y = body.y + i
            let base: StyleRole? = sequence == selection ? (focused ? .selected : .selectedInactive) : nil
            if let base { screen.fill(Rect(x: r.x, y: y, width: r.width, height: 1), style: theme[base]) }
            let summaryRole: StyleRole = record.failed ? .error : .normal
            let cells = cols.cells(record)
            let xs = cols.xs(r.x)
            for (j, (text, width)) in cells.enumerated() {
                let clip = Rect(x: xs[j], y: y, width: min(width, r.maxX - xs[j]), height: 1)
                let role: StyleRole = j == cells.count - 1 ? summaryRole : (j == 0 ? .muted : .normal)
                screen.put(text, x: xs[j], y: y, style: theme[base ?? role], clip: clip, ellipsis: true)
            }
        }
    }

    func drawJSON(_ detail: AuditPane.Detail, on screen: inout VirtualScreen, in r: Rect) {
        let record = pane.events.sequences.contains(detail.sequence) ? pane.events[detail.sequence] : nil
        drawTitle(" \(record?.type ?? "event") · JSON · j/k scroll · Esc back ", on: &screen, in: r)
        let body = Rect(x: r.x, y: r.y + 1, width: r.width, height: r.height - 1)
        let lines = detail.lines.flatMap { line -> [TextLine] in
            let indent = line.prefix { $0 == " " }.count + 2
            return TextLine([(line, .normal)]).wrapped(width: body.width - 2, indent: min(indent, body.width / 2))
        }
        let scroll = max(0, min(detail.scroll, lines.count - body.height))
        for (i, line) in lines.dropFirst(scroll).prefix(body.height).enumerated() {
            line.draw(on: &screen, x: body.x + 1, y: body.y + i, clip: body, theme: theme)
        }
    }

    /// TIME TYPE DB SESSION [USER] SUMMARY; the user column only where there is room.
    struct Columns {
        let width: Int
        var showUser: Bool { width >= 100 }
        var widths: [Int] {
            let fixed = showUser ? [8, 12, 16, 8, 10] : [8, 12, 14, 8]
            return fixed + [max(1, width - fixed.reduce(0, +) - fixed.count - 1)]
        }
        var titles: [String] { showUser ? ["TIME", "TYPE", "DB", "SESSION", "USER", "SUMMARY"] : ["TIME", "TYPE", "DB", "SESSION", "SUMMARY"] }

        func xs(_ x0: Int) -> [Int] {
            var x = x0 + 1
            return widths.map { w in defer { x += w + 1 }; return x }
        }

        func cells(_ r: AuditRecord) -> [(String, Int)] {
            let texts = showUser ? [r.clock, r.shortType, r.database, AuditPane.short(r.sessionID), r.user, r.summary]
                                 : [r.clock, r.shortType, r.database, AuditPane.short(r.sessionID), r.summary]
            return Array(zip(texts, widths))
        }
    }
}

import Foundation
import PosternCore

extension SQLPane {
    static let prompt = "sql> "
    static let continuation = "  -> "

    public func draw(on screen: inout VirtualScreen, in rect: Rect, theme: Theme, focused: Bool) {
        guard rect.height >= 3, rect.width >= 10 else { return }
        var y = rect.y
        let line = { (y: Int) in Rect(x: rect.x, y: y, width: rect.width, height: 1) }
        screen.fill(line(y), style: theme[.paneTitle])
        screen.put(" SQL · \(request.database.name) · \(request.dbUser)@\(request.dbName) · PostgreSQL \(serverVersion)",
                   x: rect.x, y: y, style: theme[.paneTitle], clip: line(y), ellipsis: true)
        y += 1
        y = drawEditor(on: &screen, rect: Rect(x: rect.x, y: y, width: rect.width, height: max(1, rect.height / 3)),
                       theme: theme, focused: focused)
        drawStatus(on: &screen, line(y), theme: theme)
        y += 1
        let body = Rect(x: rect.x, y: y, width: rect.width, height: max(0, rect.maxY - y))
        if let error = outcome?.error, running == nil {
            drawError(error, on: &screen, body, theme: theme)
        } else if let grid {
            SQLGridView(theme: theme).draw(grid, on: &screen, in: body, focused: focused && mode == .grid)
        } else {
            let lines = outcome == nil && running == nil ? connectLog.map { "· " + $0 } : notices
            for (i, n) in lines.prefix(body.height).enumerated() {
                screen.put(n, x: body.x, y: body.y + i, style: theme[.muted], clip: body, ellipsis: true)
            }
        }
    }

    /// The statement being typed (or the search or export prompt); returns the row after it.
    func drawEditor(on screen: inout VirtualScreen, rect: Rect, theme: Theme, focused: Bool) -> Int {
        switch mode {
        case .search(let query, let match):
            let text = match.map { history.entries[$0].replacingOccurrences(of: "\n", with: " ") } ?? (query.isEmpty ? "" : "(no match)")
            let x = screen.put("(history search)`\(query)': ", x: rect.x, y: rect.y, style: theme[.prompt], clip: rect)
            screen.put(text, x: x, y: rect.y, style: theme[.normal], clip: rect, ellipsis: true)
            if focused { screen.cursor = Point(x: min(x - 3, rect.maxX - 1), y: rect.y) }
            return rect.y + 1
        case .export(let path):
            let x = screen.put("export to (.csv or .json): ", x: rect.x, y: rect.y, style: theme[.prompt], clip: rect)
            let end = screen.put(path, x: x, y: rect.y, style: theme[.normal], clip: rect)
            if focused { screen.cursor = Point(x: min(end, rect.maxX - 1), y: rect.y) }
            return rect.y + 1
        case .editor, .grid:
            break
        }
        let shown = max(1, min(editor.lines.count, rect.height))
        let first = max(0, min(editor.line - shown + 1, editor.lines.count - shown))
        for i in 0..<shown {
            let n = first + i
            let x = screen.put(n == 0 ? Self.prompt : Self.continuation, x: rect.x, y: rect.y + i, style: theme[.prompt], clip: rect)
            screen.put(String(editor.lines[n]), x: x, y: rect.y + i, style: theme[.normal], clip: rect)
            if n == editor.line, focused, mode == .editor {
                let before = DisplayWidth.of(TextSanitizer.escape(String(editor.lines[n].prefix(editor.column))))
                screen.cursor = Point(x: min(x + before, rect.maxX - 1), y: rect.y + i)
            }
        }
        return rect.y + shown
    }

    func drawStatus(on screen: inout VirtualScreen, _ r: Rect, theme: Theme) {
        screen.fill(r, style: theme[.status])
        let (text, role) = statusText
        screen.put(" " + text, x: r.x, y: r.y, style: theme[role], clip: r, ellipsis: true)
    }

    /// What the status row says: running, the outcome (rows, duration, SQLSTATE), or the last report.
    var statusText: (String, StyleRole) {
        if let ended { return ("✗ session ended: \(ended) · Ctrl-D closes", .error) }
        if running != nil {
            let rows = grid.map { " · \($0.total) rows so far" + ($0.isTruncated ? " (grid keeps the first \($0.rows.count))" : "") } ?? ""
            return ("● running\(rows) · Ctrl-C cancels", .status)
        }
        if let message { return (message.text, message.isError ? .error : .status) }
        guard let outcome else { return ("connected · end a statement with ; and press Enter (F5 runs now) · \\dt \\d NAME", .status) }
        let time = Self.duration(outcome.duration)
        if let e = outcome.error {
            let what = e.sqlState == "57014" ? "cancelled" : e.severity
            return ("✗ \(what) \(e.sqlState): \(e.message) · \(time)", .error)
        }
        var parts = [outcome.tags.last ?? "done"]
        if let g = grid {
            parts.append("\(g.total) row\(g.total == 1 ? "" : "s")")
            if g.isTruncated { parts.append("grid keeps the first \(g.rows.count) (memory cap)") }
        }
        parts.append(time)
        return ("✓ " + parts.joined(separator: " · "), .status)
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }

    /// Key hints for the console's status line, by mode.
    public var hints: String {
        switch mode {
        case .editor: return "; Enter or F5 runs · ^R history · Esc grid · ^C cancel · ^D close · F1 help"
        case .grid:
            let pos = grid.map { " · row \($0.rows.isEmpty ? 0 : $0.row + 1)/\($0.rows.count) col \($0.column + 1)/\($0.columns.count)" } ?? ""
            return "hjkl move · y copy · e export · i edit · Esc back" + pos
        case .search: return "type to search · Ctrl-R older · Enter take · Esc cancel"
        case .export: return "Enter writes the file (0600) · Esc cancels"
        }
    }

    func drawError(_ e: SQLError, on screen: inout VirtualScreen, _ r: Rect, theme: Theme) {
        var lines = [TextLine([("\(e.severity) \(e.sqlState): ", .error), (e.message, .normal)])]
        if let d = e.detail { lines.append(TextLine([("DETAIL: ", .key), (d, .normal)])) }
        if let h = e.hint { lines.append(TextLine([("HINT: ", .key), (h, .normal)])) }
        if let p = e.position { lines.append(TextLine([("at character \(p) of the statement", .muted)])) }
        for (i, l) in lines.flatMap({ $0.wrapped(width: r.width, indent: 2) }).prefix(r.height).enumerated() {
            l.draw(on: &screen, x: r.x, y: r.y + i, clip: r, theme: theme)
        }
    }
}

/// Draws a results grid: a header, rows, columns by display width with `│` between them, NULL as a
/// dimmed `∅`, numbers right-aligned, the cursor cell highlighted; scrolled so the cursor shows.
struct SQLGridView {
    let theme: Theme

    func draw(_ grid: SQLResultGrid, on screen: inout VirtualScreen, in r: Rect, focused: Bool) {
        guard r.height >= 1, !grid.columns.isEmpty else { return }
        var g = grid
        g.scrollIntoView(rowsShown: r.height - 1, width: r.width)
        var x = r.x
        var c = g.left
        while c < g.columns.count && x < r.maxX {
            let w = g.widths[c]
            let cell = Rect(x: x, y: r.y, width: min(w, r.maxX - x), height: 1)
            screen.fill(cell, style: theme[.header])
            screen.put(g.columns[c].name, x: x, y: r.y, style: theme[.header], clip: cell, ellipsis: true)
            let numeric = SQLResultGrid.isNumeric(g.columns[c].typeOID)
            for (i, row) in g.rows.dropFirst(g.top).prefix(r.height - 1).enumerated() {
                let y = r.y + 1 + i
                let rowIndex = g.top + i
                let value = c < row.count ? row[c] : nil
                let text = value ?? SQLResultGrid.nullMark
                let area = Rect(x: x, y: y, width: min(w, r.maxX - x), height: 1)
                let current = focused && rowIndex == g.row && c == g.column
                var style = theme[value == nil ? .muted : .normal]
                if current { style = theme[.selected] }
                screen.fill(area, style: style)
                let dw = DisplayWidth.of(text)
                let offset = numeric && value != nil && dw < w ? w - dw : 0
                screen.put(text, x: x + offset, y: y, style: style, clip: area, ellipsis: true)
            }
            x += w
            if x < r.maxX {
                for y in r.y..<min(r.maxY, r.y + 1 + min(r.height - 1, g.rows.count - g.top)) {
                    screen.put("│", x: x, y: y, style: theme[.border], clip: r)
                }
                x += 1
            }
            c += 1
        }
    }
}

import PosternCore

/// The last row: the filter line while typing, else a message or key hints; the shown/total
/// count always at the right.
struct StatusLineView {
    let theme: Theme

    func draw(_ s: ConsoleState, on screen: inout VirtualScreen, _ r: Rect) {
        guard !r.isEmpty else { return }
        screen.fill(r, style: theme[.status])
        let count = " \(s.browser.visible.count)\(s.filter.isRunning ? "+" : "")/\(s.inventory.count) "
        var countX = max(r.x, r.maxX - displayWidth(count))
        screen.put(count, x: countX, y: r.y, style: theme[.count], clip: r)
        // The audit trail lagging is the operator's business wherever they are: it stays at the
        // right, before the count, until shipping catches up.
        if let shipping = s.shipping, countX - r.x > 8 {
            let text = " " + shipping + " "
            let x = min(countX, max(r.x + r.width / 3, countX - displayWidth(text)))
            screen.put(text, x: x, y: r.y, style: theme[.error], clip: Rect(x: x, y: r.y, width: countX - x, height: 1), ellipsis: true)
            countX = x
        }
        let left = Rect(x: r.x, y: r.y, width: countX - r.x - 1, height: 1)
        if s.filter.isEditing {
            var x = screen.put("/", x: r.x, y: r.y, style: theme[.prompt], clip: left)
            x = screen.put(s.filter.text, x: x, y: r.y, style: theme[.status], clip: left)
            screen.cursor = x < left.maxX ? Point(x: x, y: r.y) : nil
            if let problem = s.filter.problem {
                screen.put("  " + problem, x: x + 1, y: r.y, style: theme[.error], clip: left, ellipsis: true)
            }
            return
        }
        if let message = s.status {
            screen.put(" " + message.text, x: r.x, y: r.y, style: theme[message.isError ? .error : .status], clip: left, ellipsis: true)
        } else if !s.filter.text.isEmpty {
            var x = screen.put(" filter /", x: r.x, y: r.y, style: theme[.prompt], clip: left)
            if let problem = s.filter.problem {
                x = screen.put(s.filter.text, x: x, y: r.y, style: theme[.status], clip: left, ellipsis: true)
                x = screen.put("  " + problem, x: x, y: r.y, style: theme[.error], clip: left, ellipsis: true)
                screen.put("   (/ edit, Esc clear)", x: x, y: r.y, style: theme[.status], clip: left, ellipsis: true)
            } else {
                screen.put(s.filter.text + "   (/ edit, Esc clear)", x: x, y: r.y, style: theme[.status], clip: left, ellipsis: true)
            }
        } else if case .pane(let id) = s.focus, let pane = s.panes.first(where: { $0.id == id })?.pane {
            let hints = pane.hints.isEmpty ? "Tab next pane  Esc back  ? help" : pane.hints
            screen.put(" " + hints, x: r.x, y: r.y, style: theme[.status], clip: left, ellipsis: true)
        } else {
            let audit = s.panes.contains { $0.id == AuditPane.id } ? "  a audit" : ""
            screen.put(" / filter  s sort  Enter connect  Tab details\(audit)  ? help  q quit", x: r.x, y: r.y,
                       style: theme[.status], clip: left, ellipsis: true)
        }
    }
}

/// Display width of already-safe text (what `VirtualScreen.put` will draw).
func displayWidth(_ s: String) -> Int {
    DisplayWidth.of(TextSanitizer.escape(s))
}

import PosternCore

/// Draws a `ConsoleState` onto a `VirtualScreen`: pure, so snapshot tests see exactly what curses shows.
public struct ConsoleRenderer: Sendable {
    public var theme: Theme

    public init(theme: Theme) { self.theme = theme }

    public func render(_ s: ConsoleState) -> VirtualScreen {
        var screen = VirtualScreen(width: s.width, height: s.height, style: theme[.normal])
        let layout = s.layout
        drawTitle(s, on: &screen, layout.title)
        if case .pane(let id) = s.focus, let slot = s.panes.first(where: { $0.id == id }) {
            slot.pane.draw(on: &screen, in: layout.main, theme: theme, focused: s.overlay == nil)
        } else {
            BrowserView(theme: theme).draw(s, on: &screen, layout: layout)
        }
        StatusLineView(theme: theme).draw(s, on: &screen, layout.status)
        switch s.overlay {
        case .help(let scroll)?: drawHelp(s, scroll: scroll, on: &screen)
        case .confirmQuit?: drawConfirm(s, on: &screen)
        case nil: break
        }
        return screen
    }

    func drawTitle(_ s: ConsoleState, on screen: inout VirtualScreen, _ r: Rect) {
        guard !r.isEmpty else { return }
        screen.fill(r, style: theme[.title])
        let right = " \(s.browser.visible.count)\(s.filter.isRunning ? "+" : "")/\(s.inventory.count) databases · sort \(s.browser.sort.key.rawValue)"
            + (s.browser.sort.descending ? " ↓ " : " ↑ ")
        let rightX = max(r.x, r.maxX - displayWidth(right))
        var x = screen.put(" postern · \(s.inventory.clusterName) · \(s.inventory.checker.user.name) ", x: r.x, y: r.y,
                           style: theme[.title], clip: Rect(x: r.x, y: r.y, width: rightX - r.x, height: 1), ellipsis: true)
        if !s.panes.isEmpty {
            let tabs: [(String, Bool)] = [("Databases", s.focus == .list || s.focus == .details)]
                + s.panes.map { ($0.pane.title, s.focus == .pane($0.id)) }
            for (title, active) in tabs {
                x = screen.put(" \(title) ", x: x + 1, y: r.y, style: theme[active ? .selected : .title],
                               clip: Rect(x: r.x, y: r.y, width: rightX - r.x, height: 1), ellipsis: true)
            }
        }
        screen.put(right, x: rightX, y: r.y, style: theme[.title], clip: r)
    }

    func drawHelp(_ s: ConsoleState, scroll: Int, on screen: inout VirtualScreen) {
        let lines = HelpModel.lines(s.keymap)
        // Full width on small screens: nothing half-hidden shows beside the box.
        let box = Rect(x: s.width >= 84 ? (s.width - 80) / 2 : 0, y: 1, width: min(80, s.width), height: s.height - 2)
        let inner = BoxView(theme: theme).draw(box, title: " Help · Esc closes · j/k scroll ", on: &screen)
        for (i, line) in lines.dropFirst(scroll).prefix(inner.height).enumerated() {
            line.draw(on: &screen, x: inner.x + 1, y: inner.y + i, clip: inner, theme: theme)
        }
    }

    func drawConfirm(_ s: ConsoleState, on screen: inout VirtualScreen) {
        let text = "\(s.openSessions) session\(s.openSessions == 1 ? " is" : "s are") open. Quit and close them? (y/n)"
        let w = min(s.width - 2, displayWidth(text) + 4)
        let box = Rect(x: max(0, (s.width - w) / 2), y: max(0, s.height / 2 - 2), width: w, height: 3)
        let inner = BoxView(theme: theme).draw(box, title: " Quit ", on: &screen)
        screen.put(text, x: inner.x + 1, y: inner.y, style: theme[.prompt], clip: inner, ellipsis: true)
    }
}

/// A bordered box; returns the rectangle inside the border.
struct BoxView {
    let theme: Theme

    func draw(_ r: Rect, title: String, on screen: inout VirtualScreen) -> Rect {
        guard r.width >= 2, r.height >= 2 else { return Rect(x: r.x, y: r.y, width: 0, height: 0) }
        let border = theme[.border]
        screen.fill(r, style: theme[.normal])
        let horizontal = String(repeating: "─", count: r.width - 2)
        screen.put("┌" + horizontal + "┐", x: r.x, y: r.y, style: border)
        screen.put("└" + horizontal + "┘", x: r.x, y: r.maxY - 1, style: border)
        for y in (r.y + 1)..<(r.maxY - 1) {
            screen.put("│", x: r.x, y: y, style: border)
            screen.put("│", x: r.maxX - 1, y: y, style: border)
        }
        screen.put(title, x: r.x + 2, y: r.y, style: theme[.paneTitle], clip: Rect(x: r.x + 1, y: r.y, width: r.width - 2, height: 1),
                   ellipsis: true)
        return Rect(x: r.x + 1, y: r.y + 1, width: r.width - 2, height: r.height - 2)
    }
}

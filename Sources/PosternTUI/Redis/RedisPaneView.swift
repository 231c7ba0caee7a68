/// Draws the Redis pane: a title row, the transcript (newest at the bottom) and the command line.
struct RedisPaneView {
    let pane: RedisPane
    let theme: Theme

    func draw(on screen: inout VirtualScreen, in r: Rect, focused: Bool) {
        guard r.height >= 2 else { return }
        let state = pane.closedReason == nil ? "" : " · closed"
        let title = " Redis · \(pane.database) · \(pane.dbUser) · RESP\(pane.protocolVersion)\(state) "
        screen.put(String(repeating: "─", count: r.width), x: r.x, y: r.y, style: theme[.border], clip: r)
        screen.put(title, x: r.x + 1, y: r.y, style: theme[.paneTitle], clip: r, ellipsis: true)

        let body = Rect(x: r.x, y: r.y + 1, width: r.width, height: r.height - 2)
        let end = pane.transcript.endSequence - pane.scroll
        let start = max(pane.transcript.firstSequence, end - body.height)
        for (i, sequence) in (start..<end).enumerated() {
            pane.transcript[sequence].draw(on: &screen, x: body.x + 1, y: body.y + i, clip: body, theme: theme)
        }
        if pane.scroll > 0 {
            let more = " \(pane.scroll) newer line\(pane.scroll == 1 ? "" : "s") below · PgDn "
            screen.put(more, x: max(r.x, r.maxX - displayWidth(more) - 1), y: r.y, style: theme[.muted], clip: r)
        }

        let y = r.maxY - 1
        let line = Rect(x: r.x, y: y, width: r.width, height: 1)
        var x = screen.put(pane.prompt, x: r.x + 1, y: y, style: theme[.prompt], clip: line)
        // The end of a long command stays visible: show its tail.
        let room = max(1, line.maxX - x - 1)
        var shown = pane.input
        while displayWidth(shown) > room, !shown.isEmpty { shown.removeFirst() }
        x = screen.put(shown, x: x, y: y, style: theme[.normal], clip: line)
        if focused, pane.closedReason == nil { screen.cursor = Point(x: min(x, line.maxX - 1), y: y) }
    }
}

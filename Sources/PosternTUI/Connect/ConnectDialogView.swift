import PosternCore

extension ConnectDialog {
    /// The dialog as lines: the choices, the verdict on the current one, progress, then key hints.
    func lines(width: Int) -> [TextLine] {
        let db = database
        var out: [TextLine] = [
            TextLine([("Connect to ", .normal), (db.name, .header),
                      ("  \(db.protocol.rawValue) · \(db.type.rawValue) · \(db.uri)", .muted)]),
            TextLine([]),
        ]
        out += fieldLines("Database user", value: dbUser, list: users, active: field == .user, placeholder: "")
        if let names {
            out += fieldLines("Database name", value: dbName, list: names, active: field == .name,
                              placeholder: "(default: \(dbUser))")
        }
        out.append(TextLine([]))
        let verdict = decision
        if verdict.allowed {
            out.append(TextLine([("✓ allowed  ", .allowed), (verdict.reason, .normal)]))
        } else {
            out.append(TextLine([("✗ denied  ", .denied), (verdict.reason, .normal)]))
            out += verdict.details.map { TextLine([("    " + $0, .muted)]) }
        }
        if !progress.isEmpty || failure != nil { out.append(TextLine([])) }
        for (i, line) in progress.enumerated() {
            let last = i == progress.count - 1 && isConnecting
            out.append(TextLine([(last ? "… " : "· ", .muted), (line, .normal)]))
        }
        if let failure {
            let parts = failure.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            out.append(TextLine([("✗ ", .error), (parts.first ?? "", .error)]))
            out += parts.dropFirst().map { TextLine([("    " + $0, .muted)]) }
        }
        return out.flatMap { $0.wrapped(width: width, indent: 4) }
    }

    private func fieldLines(_ label: String, value: String, list: ChoiceList, active: Bool, placeholder: String) -> [TextLine] {
        let shown = value.isEmpty ? placeholder : value
        var head: [(String, StyleRole)] = [((active ? "▸ " : "  ") + label.padding(toLength: 15, withPad: " ", startingAt: 0), .key),
                                           (shown, active ? .selected : .normal)]
        if list.anyAllowed {
            head.append(("   any name may be typed" + (list.denied.isEmpty ? "" : " except " + list.denied.joined(separator: ", ")), .muted))
        }
        var out = [TextLine(head)]
        guard active else { return out }
        for item in list.items {
            let ok = list.allowed.contains(item)
            out.append(TextLine([("                 " + (item == value ? "● " : "○ "), .muted), (item, ok ? .allowed : .denied),
                                 (ok ? "" : "  (denied)", .muted)]))
        }
        if list.items.isEmpty && !list.anyAllowed {
            out.append(TextLine([("                 no \(label.lowercased()) is allowed by your roles", .denied)]))
        }
        return out
    }

    public var hints: String {
        isConnecting ? "connecting… Esc closes the dialog"
            : "Enter next field / connect · ↑↓ choose" + (current?.anyAllowed == true ? " · type any allowed name" : "") + " · Esc back"
    }

    public func draw(on screen: inout VirtualScreen, in rect: Rect, theme: Theme, focused: Bool) {
        guard rect.height >= 3 else { return }
        let box = BoxView(theme: theme).draw(rect, title: " Connect ", on: &screen)
        let content = lines(width: box.width - 2)
        // Keep the newest progress and the failure in view on small screens.
        let start = max(0, content.count - box.height)
        for (i, line) in content.dropFirst(start).prefix(box.height).enumerated() {
            line.draw(on: &screen, x: box.x + 1, y: box.y + i, clip: box, theme: theme)
        }
    }
}

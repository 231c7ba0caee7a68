/// `state + event → state`, with no I/O: every console behaviour is tested through here.
public enum ConsoleReducer {
    public static func reduce(_ state: ConsoleState, _ event: ConsoleEvent) -> ConsoleState {
        var s = state
        s.apply(event)
        return s
    }
}

extension ConsoleState {
    public mutating func apply(_ event: ConsoleEvent) {
        switch event {
        case .key(let key):
            handle(key)
        case .resize(let w, let h):
            width = max(1, w)
            height = max(1, h)
            clampScroll()
        case .inventory(let snapshot):
            let name = selectedRow?.name
            inventory = snapshot
            browser.order = snapshot.order(browser.sort)
            filter.cache = nil
            refilter(keeping: name.flatMap(snapshot.row(named:)).map(Int32.init))
        case .notice(let text, let isError):
            status = StatusMessage(text, isError: isError)
        case .auditShipping(let text):
            shipping = text
        case .openPane(let slot, let bindings):
            panes.removeAll { $0.id == slot.id }
            panes.append(slot)
            for b in bindings { keymap.add(b) }
            focus = .pane(slot.id)
        case .paneUpdate(let id, let update):
            guard let i = panes.firstIndex(where: { $0.id == id }) else { return }
            respond(panes[i].pane.apply(update), pane: id)
        case .closePane(let id):
            closePane(id)
        case .filterStep:
            stepFilter()
        }
    }

    /// The keymap scopes a key is looked up in, most specific first.
    var keyChain: [KeyScope] {
        switch overlay {
        case .confirmQuit?: return [.confirm]
        case .help?: return [.help, .motion, .global]
        case nil: break
        }
        if filter.isEditing { return [.filter, .global] }
        switch focus {
        case .list, .details: return [.browser, .motion, .global]
        case .pane(let id): return [panes.first { $0.id == id }?.pane.keyScope ?? .global, .global]
        }
    }

    mutating func handle(_ key: Key) {
        let command = keymap.command(for: key, in: keyChain)
        status = nil  // a message lasts until the next key
        if overlay != nil {
            if let command { overlayCommand(command) }
            return
        }
        if filter.isEditing {
            if let command { filterCommand(command) } else if case .char(let c) = key { setFilter(filter.text + String(c)) }
            return
        }
        if case .pane(let id) = focus, let i = panes.firstIndex(where: { $0.id == id }) {
            if let command, command == .nextPane || command == .previousPane || command == .help || command == .toggleAudit {
                browserCommand(command)
                return
            }
            let response = command.map { panes[i].pane.perform($0) } ?? panes[i].pane.input(key)
            if response == .ignored, command == .back || key == .escape { focus = .list }
            respond(response, pane: id)
            return
        }
        if let command { browserCommand(command) }
    }

    mutating func browserCommand(_ command: Command) {
        switch command {
        case _ where Command.motions.contains(command):
            move(command)
        case .nextPane, .previousPane:
            cycleFocus(forward: command == .nextPane)
        case .help:
            overlay = .help(scroll: 0)
        case .quit:
            if openSessions > 0 { overlay = .confirmQuit } else { shouldQuit = true }
        case .interrupt:
            status = StatusMessage("Ctrl-C does not quit here; press q to quit")
        case .toggleAudit:
            toggleAudit()
        case .openFilter:
            filter.isEditing = true
            focus = .list
        case .cycleSort, .reverseSort:
            if command == .cycleSort { browser.sort.key = browser.sort.key.next } else { browser.sort.descending.toggle() }
            let row = selectedRowID
            browser.order = inventory.order(browser.sort)
            refilter(keeping: row)
        case .connect:
            if let row = selectedRow { openConnectDialog(row) }
        case .back:
            if focus == .details {
                focus = .list
            } else if !filter.text.isEmpty {
                setFilter("")
            } else {
                status = nil
            }
        default:
            break
        }
    }

    mutating func overlayCommand(_ command: Command) {
        switch (overlay, command) {
        case (.confirmQuit?, .confirmYes): shouldQuit = true
        case (.confirmQuit?, .confirmNo): overlay = nil
        case (.help?, .back), (.help?, .help): overlay = nil
        case (.help(let scroll)?, _) where Command.motions.contains(command):
            let lines = HelpModel.lines(keymap).count
            let page = max(1, height - 4)
            overlay = .help(scroll: Self.moved(scroll, command, count: max(1, lines - page + 1), page: page))
        default: break
        }
    }

    mutating func filterCommand(_ command: Command) {
        switch command {
        case .filterAccept:
            if filter.error == nil { filter.isEditing = false }
        case .filterCancel:
            setFilter("")
            filter.isEditing = false
        case .filterDeleteBack:
            setFilter(String(filter.text.dropLast()))
        case .filterClearLine:
            setFilter("")
        case .interrupt:
            status = StatusMessage("Ctrl-C does not quit here; Esc clears the filter, q quits from the list")
        default:
            break
        }
    }

    /// Parses and applies a filter; a parse error is kept for the filter line and the last valid
    /// query stays applied.
    mutating func setFilter(_ text: String) {
        filter.text = text
        do {
            let query = try FilterQuery.parse(text)
            filter.error = nil
            guard query != filter.applied || filter.cache == nil else { return }
            filter.applied = query
            refilter(keeping: selectedRowID)
        } catch {
            filter.error = error.description
        }
    }

    /// Recomputes the visible rows from the applied filter and keeps the selection on `row` when
    /// it is still shown (else on the same position).
    /// Rows of a regular expression checked per step: a few milliseconds on one core.
    static let filterChunk = 2048

    mutating func refilter(keeping row: Int32?) {
        filter.work = nil
        let result: FilterCache
        if case .regex(let p) = filter.applied.body, !filter.applied.inverted, filter.cache?.query != filter.applied {
            var tooCostly = 0
            let matches: RowSet
            switch FilterEngine.regexPlan(p, in: inventory, tooCostly: &tooCostly) {
            case .done(let rows):
                matches = rows
            case .check(let candidates) where candidates.count > Self.filterChunk:
                return startFilterWork(p, candidates: candidates, tooCostly: tooCostly, keeping: row)
            case .check(let candidates):
                matches = FilterEngine.checked(p, candidates: candidates, texts: inventory.texts, tooCostly: &tooCostly)
            }
            result = FilterCache(query: filter.applied, matches: matches, tooCostly: tooCostly)
        } else {
            result = FilterEngine.result(filter.applied, in: inventory, previous: filter.cache)
        }
        filter.cache = result
        let matches = result.matches
        var visible: [Int32] = []
        visible.reserveCapacity(min(matches.count, browser.order.count))
        for r in browser.order where matches.contains(Int(r)) { visible.append(r) }
        browser.visible = visible
        if let row, let i = visible.firstIndex(of: row) {
            browser.selected = i
        } else {
            browser.selected = min(browser.selected, max(0, visible.count - 1))
        }
        browser.detailsScroll = 0
        clampScroll()
    }

    /// A regular expression with more candidate rows than one step checks runs in chunks, in
    /// display order; the first step runs now.
    private mutating func startFilterWork(_ p: FilterQuery.Pattern, candidates: RowSet, tooCostly: Int, keeping row: Int32?) {
        var rows: [Int32] = []
        rows.reserveCapacity(candidates.count)
        for r in browser.order where candidates.contains(Int(r)) { rows.append(r) }
        filter.work = FilterWork(query: filter.applied, pattern: p, rows: rows,
                                 matches: RowSet(capacity: inventory.count), tooCostly: tooCostly, keep: row)
        browser.visible = []
        browser.selected = 0
        browser.detailsScroll = 0
        stepFilter()
    }

    /// Checks the next chunk of a running regular-expression filter; the last one caches the result.
    mutating func stepFilter() {
        guard var work = filter.work else { return }
        let end = min(work.rows.count, work.next + Self.filterChunk)
        let hits = FilterEngine.matching(work.pattern, rows: work.rows[work.next..<end], texts: inventory.texts,
                                         tooCostly: &work.tooCostly)
        for r in hits { work.matches.insert(Int(r)) }
        let before = browser.visible.count
        browser.visible.append(contentsOf: hits)
        if let keep = work.keep, let i = hits.firstIndex(of: keep) {
            browser.selected = before + i
            work.keep = nil
        }
        work.next = end
        if end == work.rows.count {
            filter.cache = FilterCache(query: work.query, matches: work.matches, tooCostly: work.tooCostly)
            filter.work = nil
        } else {
            filter.work = work
        }
        clampScroll()
    }

    mutating func move(_ command: Command) {
        switch focus {
        case .details:
            let count = selectedRow.map { DetailsModel(row: $0, checker: inventory.checker, width: layout.details?.width ?? width).lines.count } ?? 0
            let page = layout.detailRows
            browser.detailsScroll = Self.moved(browser.detailsScroll, command, count: max(1, count - page + 1), page: page)
        default:
            guard !browser.visible.isEmpty else { return }
            let old = browser.selected
            browser.selected = Self.moved(old, command, count: browser.visible.count, page: layout.listRows)
            if browser.selected != old { browser.detailsScroll = 0 }
            clampScroll()
        }
    }

    /// A position after a motion, within 0..<count.
    static func moved(_ position: Int, _ command: Command, count: Int, page: Int) -> Int {
        let target: Int
        switch command {
        case .down: target = position + 1
        case .up: target = position - 1
        case .top: target = 0
        case .bottom: target = count - 1
        case .pageDown: target = position + page
        case .pageUp: target = position - page
        default: target = position
        }
        return max(0, min(count - 1, target))
    }

    /// Keeps the selected row on screen.
    mutating func clampScroll() {
        let rows = layout.listRows
        if browser.selected < browser.scroll { browser.scroll = browser.selected }
        if browser.selected >= browser.scroll + rows { browser.scroll = browser.selected - rows + 1 }
        browser.scroll = max(0, min(browser.scroll, max(0, browser.visible.count - rows)))
    }

    mutating func cycleFocus(forward: Bool) {
        var ring: [Focus] = [.list]
        if layout.details != nil { ring.append(.details) }
        ring += panes.map { .pane($0.id) }
        let i = ring.firstIndex(of: focus) ?? 0
        focus = ring[(i + (forward ? 1 : ring.count - 1)) % ring.count]
    }

    mutating func respond(_ response: PaneResponse, pane id: PaneID) {
        switch response {
        case .handled, .ignored: break
        case .close: closePane(id)
        case .status(let text): status = StatusMessage(text)
        }
    }

    mutating func closePane(_ id: PaneID) {
        panes.removeAll { $0.id == id }
        if focus == .pane(id) { focus = .list }
    }
}

/// The live audit tail: a bounded ring of records, newest at the bottom. It follows the newest event
/// until the user moves up, and follows again from the newest row (`G`). `s`/`t` narrow the list to
/// the selected event's session or type; Enter shows the event's JSON.
public struct AuditPane: ConsolePane {
    public static let id = PaneID("audit")
    public static let scope = KeyScope.pane("Audit pane")
    /// Events kept; older ones are dropped (the store keeps them all: `postern audit search`).
    public static let defaultCapacity = 5000

    struct Filter: Equatable {
        var sessionID: String?
        var type: String?
        var isActive: Bool { sessionID != nil || type != nil }

        func matches(_ r: AuditRecord) -> Bool {
            (sessionID.map { $0 == r.sessionID } ?? true) && (type.map { $0 == r.type } ?? true)
        }
    }

    /// The JSON of one event, opened with Enter.
    struct Detail: Equatable {
        var sequence: Int
        var lines: [String]
        var scroll = 0
    }

    var events: RingBuffer<AuditRecord>
    /// Every record received, including the ones the ring has dropped.
    var received = 0
    /// Sequence number of the selected record; nil follows the newest.
    var selected: Int?
    var filter = Filter()
    var detail: Detail?
    /// Rows PgUp/PgDn move (the pane does not learn its height before drawing).
    var page = 20

    public init(capacity: Int = AuditPane.defaultCapacity) {
        events = RingBuffer(capacity: capacity)
    }

    public var title: String { "audit" }
    public var isSession: Bool { false }
    public var keyScope: KeyScope { Self.scope }

    public var isFollowing: Bool { selected == nil }

    /// Sequence numbers of the records shown, oldest first.
    var visible: [Int] {
        guard filter.isActive else { return Array(events.sequences) }
        return events.sequences.filter { filter.matches(events[$0]) }
    }

    /// The selected record's sequence number (the newest shown while following).
    var selection: Int? { selected ?? visible.last }

    public mutating func apply(_ update: any PaneUpdate) -> PaneResponse {
        guard let batch = update as? AuditBatch else { return .ignored }
        for r in batch.records { events.append(r) }
        received += batch.records.count + batch.skipped
        if let s = selected, s < events.firstSequence { selected = visible.first }
        return .handled
    }

    public mutating func perform(_ command: Command) -> PaneResponse {
        if detail != nil { return performInDetail(command) }
        switch command {
        case _ where Command.motions.contains(command):
            move(command)
        case .auditShowJSON:
            guard let s = selection else { return .handled }
            detail = Detail(sequence: s, lines: JSONIndenter.lines(events[s].json))
        case .auditFilterSession:
            guard filter.sessionID == nil else { filter.sessionID = nil; return .status("all sessions") }
            guard let s = selection else { return .handled }
            filter.sessionID = events[s].sessionID
            return .status("session \(Self.short(events[s].sessionID)) only (s again shows all)")
        case .auditFilterType:
            guard filter.type == nil else { filter.type = nil; return .status("all event types") }
            guard let s = selection else { return .handled }
            filter.type = events[s].type
            return .status("\(events[s].type) only (t again shows all)")
        case .back:
            guard filter.isActive else { return .ignored }
            filter = Filter()
        case .interrupt:
            return .status("Ctrl-C does not quit here; a returns to the databases")
        default:
            return .ignored
        }
        return .handled
    }

    mutating func performInDetail(_ command: Command) -> PaneResponse {
        guard var d = detail else { return .ignored }
        switch command {
        case .back, .auditShowJSON:
            detail = nil
            return .handled
        case _ where Command.motions.contains(command):
            d.scroll = ConsoleState.moved(d.scroll, command, count: max(1, d.lines.count), page: page)
            detail = d
            return .handled
        default:
            return command == .interrupt ? .status("Ctrl-C does not quit here; Esc closes the JSON") : .ignored
        }
    }

    /// Moves the selection; reaching the newest row follows again.
    mutating func move(_ command: Command) {
        let rows = visible
        guard !rows.isEmpty else { return }
        let position = selected.flatMap { s in rows.firstIndex { $0 >= s } } ?? rows.count - 1
        let target = ConsoleState.moved(position, command, count: rows.count, page: page)
        selected = target == rows.count - 1 && command != .up && command != .pageUp ? nil : rows[target]
    }

    public mutating func input(_ key: Key) -> PaneResponse { .ignored }

    public func draw(on screen: inout VirtualScreen, in rect: Rect, theme: Theme, focused: Bool) {
        AuditPaneView(pane: self, theme: theme).draw(on: &screen, in: rect, focused: focused)
    }

    /// A session id's first 8 characters, as the list shows it.
    static func short(_ sid: String) -> String { String(sid.prefix(8)) }
}

extension AuditPane {
    public var hints: String {
        if detail != nil { return "j/k scroll  Esc back  a databases" }
        return "Enter JSON  s session  t type  G follow  Esc back  a databases  ? help"
    }
}

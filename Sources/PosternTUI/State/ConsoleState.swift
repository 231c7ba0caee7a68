/// Where keys go.
public enum Focus: Equatable, Sendable {
    case list
    case details
    case pane(PaneID)
}

/// Drawn over everything and takes the keys while shown.
public enum Overlay: Equatable, Sendable {
    case help(scroll: Int)
    case confirmQuit
}

public struct StatusMessage: Equatable, Sendable {
    public var text: String
    public var isError: Bool
    public init(_ text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }
}

public struct FilterState: Sendable {
    /// What was typed after `/`.
    public internal(set) var text = ""
    public internal(set) var isEditing = false
    /// Why `text` does not parse; the last valid query stays applied meanwhile.
    public internal(set) var error: String?
    public internal(set) var applied = FilterQuery.all
    var cache: FilterCache?
    /// A regular expression still being run over the rows, a chunk at a time between keys.
    var work: FilterWork?

    /// True while rows are still being checked (more may appear).
    public var isRunning: Bool { work != nil }

    /// Regex checks of the rows shown that ran out of budget: those rows are taken as not matching.
    public var tooCostly: Int { work?.tooCostly ?? cache?.tooCostly ?? 0 }

    /// What the filter line says after the text: why it does not parse, or that the regex gave up on some rows.
    public var problem: String? {
        error ?? (tooCostly > 0 ? "regex too slow; some rows not checked" : nil)
    }
}

/// A regular expression the index cannot answer, run over its candidate rows in display order a
/// chunk at a time (`ConsoleEvent.filterStep`), so each key is answered at once with the first
/// rows and a long search never holds the keyboard.
struct FilterWork: Sendable {
    let query: FilterQuery
    let pattern: FilterQuery.Pattern
    /// Candidate rows, in display order.
    let rows: [Int32]
    var next = 0
    var matches: RowSet
    var tooCostly = 0
    /// The row to select once it turns up (the one selected before the filter changed).
    var keep: Int32?
}

public struct BrowserState: Sendable {
    public internal(set) var sort = SortOrder()
    /// Every row in sort order.
    var order: [Int32] = []
    /// Rows shown (filtered), in sort order.
    public internal(set) var visible: [Int32] = []
    /// Index into `visible`.
    public internal(set) var selected = 0
    /// Index into `visible` of the first row on screen.
    public internal(set) var scroll = 0
    public internal(set) var detailsScroll = 0
}

/// The whole console as a value: `ConsoleReducer.reduce(state, event)` gives the next one.
public struct ConsoleState: Sendable {
    public internal(set) var width: Int
    public internal(set) var height: Int
    public internal(set) var inventory: InventorySnapshot
    public internal(set) var browser = BrowserState()
    public internal(set) var filter = FilterState()
    public internal(set) var focus = Focus.list
    public internal(set) var overlay: Overlay?
    public internal(set) var status: StatusMessage?
    /// "audit shipping behind: …" while the shared audit store is behind (not cleared by keys).
    public internal(set) var shipping: String?
    public internal(set) var panes: [PaneSlot] = []
    public internal(set) var shouldQuit = false
    public internal(set) var keymap: Keymap
    /// The proxy opener and the way back to the terminal; nil where nothing can connect (tests, listings).
    public internal(set) var services: ConsoleServices?

    public init(inventory: InventorySnapshot, width: Int, height: Int, keymap: Keymap = .standard,
                status: StatusMessage? = nil, services: ConsoleServices? = nil) {
        self.inventory = inventory
        self.services = services
        self.width = width
        self.height = height
        self.keymap = keymap
        self.status = status
        browser.order = inventory.order(browser.sort)
        refilter(keeping: nil)
    }

    /// Open sessions (SQL, Redis); `q` asks before closing them.
    public var openSessions: Int { panes.filter(\.pane.isSession).count }

    public var selectedRow: DatabaseRow? {
        guard browser.visible.indices.contains(browser.selected) else { return nil }
        return inventory.rows[Int(browser.visible[browser.selected])]
    }

    var selectedRowID: Int32? {
        browser.visible.indices.contains(browser.selected) ? browser.visible[browser.selected] : nil
    }

    var layout: BrowserLayout { BrowserLayout(width: width, height: height) }
}

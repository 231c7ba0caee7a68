/// Where a binding applies. The console looks keys up along a chain of scopes (most specific first);
/// a plug-in pane's bindings live in `.pane(name)`.
public enum KeyScope: Hashable, Sendable {
    case global
    case motion
    case browser
    case filter
    case help
    case confirm
    case pane(String)

    public var title: String {
        switch self {
        case .global: return "Everywhere"
        case .motion: return "Moving (list, details, help)"
        case .browser: return "Database browser"
        case .filter: return "Filter line"
        case .help: return "Help"
        case .confirm: return "Quit dialog"
        case .pane(let name): return name
        }
    }
}

public struct KeyBinding: Equatable, Sendable {
    public var keys: [Key]
    public var command: Command
    public var scope: KeyScope
    public var help: String

    public init(_ keys: [Key], _ command: Command, _ scope: KeyScope, _ help: String) {
        self.keys = keys
        self.command = command
        self.scope = scope
        self.help = help
    }
}

/// The one table of key bindings: the console dispatches from it and help is generated from it.
public struct Keymap: Sendable {
    public private(set) var bindings: [KeyBinding]
    private var index: [KeyScope: [Key: Command]] = [:]

    public init(_ bindings: [KeyBinding]) {
        self.bindings = []
        for b in bindings { add(b) }
    }

    /// Adds a binding (a pane registering its keys); a later binding of the same key and scope wins.
    public mutating func add(_ b: KeyBinding) {
        guard !bindings.contains(b) else { return }  // a second session of a kind brings the same keys
        bindings.append(b)
        for k in b.keys { index[b.scope, default: [:]][k] = b.command }
    }

    /// The command `key` runs, looked up along `chain`.
    public func command(for key: Key, in chain: [KeyScope]) -> Command? {
        for scope in chain {
            if let c = index[scope]?[key] { return c }
        }
        return nil
    }

    /// Scopes in the order help lists them; plug-in panes last.
    public var scopes: [KeyScope] {
        var out: [KeyScope] = []
        for b in bindings where !out.contains(b.scope) { out.append(b.scope) }
        return out
    }

    public static let standard = Keymap([
        KeyBinding([.char("/")], .openFilter, .browser, "filter: text, !text, ^regex, key=value,…"),
        KeyBinding([.char("s")], .cycleSort, .browser, "sort by name, protocol, type"),
        KeyBinding([.char("S")], .reverseSort, .browser, "reverse the sort"),
        KeyBinding([.enter], .connect, .browser, "connect to the selected database"),
        KeyBinding([.char("?")], .help, .browser, "this help"),
        KeyBinding([.escape], .back, .browser, "back: details → list, clear the filter"),
        KeyBinding([.char("q")], .quit, .browser, "quit (asks when sessions are open)"),

        KeyBinding([.char("j"), .down], .down, .motion, "down"),
        KeyBinding([.char("k"), .up], .up, .motion, "up"),
        KeyBinding([.char("g"), .home], .top, .motion, "first"),
        KeyBinding([.char("G"), .end], .bottom, .motion, "last"),
        KeyBinding([.pageDown, .ctrl("f")], .pageDown, .motion, "page down"),
        KeyBinding([.pageUp, .ctrl("b")], .pageUp, .motion, "page up"),

        KeyBinding([.enter], .filterAccept, .filter, "keep the filter"),
        KeyBinding([.escape], .filterCancel, .filter, "clear the filter"),
        KeyBinding([.backspace], .filterDeleteBack, .filter, "delete a character"),
        KeyBinding([.ctrl("u")], .filterClearLine, .filter, "delete the whole line"),

        KeyBinding([.tab], .nextPane, .global, "next pane"),
        KeyBinding([.backTab], .previousPane, .global, "previous pane"),
        KeyBinding([.function(1)], .help, .global, "help"),
        KeyBinding([.ctrl("c")], .interrupt, .global, "cancel what runs; never quits"),

        KeyBinding([.escape, .char("?"), .char("q")], .back, .help, "close help"),

        KeyBinding([.char("y")], .confirmYes, .confirm, "quit and close the sessions"),
        KeyBinding([.char("n"), .escape], .confirmNo, .confirm, "stay"),
    ])
}

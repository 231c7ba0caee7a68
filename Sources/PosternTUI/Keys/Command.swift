/// What a key does. A struct rather than an enum so panes added later (SQL, Redis, audit) bring
/// their own commands into the same keymap.
public struct Command: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public var description: String { name }

    // Motions: they only move the selection or scroll, never change anything else.
    public static let down = Command("down")
    public static let up = Command("up")
    public static let top = Command("top")
    public static let bottom = Command("bottom")
    public static let pageDown = Command("page-down")
    public static let pageUp = Command("page-up")
    public static let motions: Set<Command> = [.down, .up, .top, .bottom, .pageDown, .pageUp]

    public static let nextPane = Command("next-pane")
    public static let previousPane = Command("previous-pane")
    public static let back = Command("back")
    public static let help = Command("help")
    public static let quit = Command("quit")
    public static let interrupt = Command("interrupt")
    public static let openFilter = Command("filter")
    public static let cycleSort = Command("sort")
    public static let reverseSort = Command("reverse-sort")
    public static let connect = Command("connect")

    public static let filterAccept = Command("filter-keep")
    public static let filterCancel = Command("filter-clear")
    public static let filterDeleteBack = Command("filter-delete")
    public static let filterClearLine = Command("filter-clear-line")

    public static let confirmYes = Command("confirm-yes")
    public static let confirmNo = Command("confirm-no")
}

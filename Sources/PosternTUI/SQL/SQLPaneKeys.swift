/// The SQL pane's commands and keys: one scope per mode, so help lists each and the keys of one
/// mode (j/k in the grid) are text in another (the editor).
extension SQLPane {
    public static let editorScope = KeyScope.pane("SQL editor")
    public static let gridScope = KeyScope.pane("SQL results")
    public static let searchScope = KeyScope.pane("SQL history search (Ctrl-R)")
    public static let promptScope = KeyScope.pane("SQL export prompt")

    static let enter = Command("sql-enter")
    static let run = Command("sql-run")
    static let searchHistory = Command("sql-history-search")
    static let left = Command("sql-left")
    static let right = Command("sql-right")
    static let lineStart = Command("sql-home")
    static let lineEnd = Command("sql-end")
    static let deleteBack = Command("sql-backspace")
    static let deleteForward = Command("sql-delete")
    static let clear = Command("sql-clear")
    static let toResults = Command("sql-results")
    static let toEditor = Command("sql-editor")
    static let closeSession = Command("sql-close")
    static let copyCell = Command("sql-copy")
    static let exportResult = Command("sql-export")
    static let accept = Command("sql-accept")

    public static let bindings: [KeyBinding] = [
        KeyBinding([.enter], enter, editorScope, "run when the statement ends with ; (else a new line)"),
        KeyBinding([.ctrl("j"), .function(5)], run, editorScope, "run now"),
        KeyBinding([.ctrl("r")], searchHistory, editorScope, "search history"),
        KeyBinding([.up], .up, editorScope, "line up; on the first line, older history"),
        KeyBinding([.down], .down, editorScope, "line down; on the last line, newer history"),
        KeyBinding([.left], left, editorScope, "cursor left"),
        KeyBinding([.right], right, editorScope, "cursor right"),
        KeyBinding([.home, .ctrl("a")], lineStart, editorScope, "start of line"),
        KeyBinding([.end, .ctrl("e")], lineEnd, editorScope, "end of line"),
        KeyBinding([.backspace], deleteBack, editorScope, "delete back"),
        KeyBinding([.delete], deleteForward, editorScope, "delete forward"),
        KeyBinding([.ctrl("u")], clear, editorScope, "clear the statement"),
        KeyBinding([.escape], toResults, editorScope, "to the results grid"),
        KeyBinding([.ctrl("d")], closeSession, editorScope, "close the session (on an empty statement)"),

        KeyBinding([.char("j"), .down], .down, gridScope, "row down"),
        KeyBinding([.char("k"), .up], .up, gridScope, "row up"),
        KeyBinding([.char("h"), .left], left, gridScope, "column left"),
        KeyBinding([.char("l"), .right], right, gridScope, "column right"),
        KeyBinding([.char("g")], .top, gridScope, "first row"),
        KeyBinding([.char("G")], .bottom, gridScope, "last row"),
        KeyBinding([.char("0"), .home], lineStart, gridScope, "first column"),
        KeyBinding([.char("$"), .end], lineEnd, gridScope, "last column"),
        KeyBinding([.pageDown, .ctrl("f")], .pageDown, gridScope, "page down"),
        KeyBinding([.pageUp, .ctrl("b")], .pageUp, gridScope, "page up"),
        KeyBinding([.char("y")], copyCell, gridScope, "copy the cell (OSC 52 clipboard)"),
        KeyBinding([.char("e")], exportResult, gridScope, "export the result (.csv or .json path)"),
        KeyBinding([.char("i"), .enter], toEditor, gridScope, "back to the editor"),
        KeyBinding([.escape], .back, gridScope, "back to the databases"),

        KeyBinding([.ctrl("r")], searchHistory, searchScope, "older match"),
        KeyBinding([.enter], accept, searchScope, "take the match"),
        KeyBinding([.escape], .back, searchScope, "stop searching"),
        KeyBinding([.backspace], deleteBack, searchScope, "delete a character"),

        KeyBinding([.enter], accept, promptScope, "write the file"),
        KeyBinding([.escape], .back, promptScope, "do not export"),
        KeyBinding([.backspace], deleteBack, promptScope, "delete a character"),
        KeyBinding([.ctrl("u")], clear, promptScope, "clear the path"),
    ]
}

import Foundation
import PosternCore

/// A SQL session as a pane: the editor, the running statement's state and the results grid. Pure:
/// every key changes this value, and work goes to the session (`SQLSessionControl`), whose
/// snapshots come back through `apply`.
public struct SQLPane: ConsolePane {
    public enum Mode: Sendable, Equatable {
        case editor
        case grid
        /// Ctrl-R: the query typed and the history index it matched.
        case search(query: String, match: Int?)
        /// The export prompt's path.
        case export(path: String)
    }

    public let id: PaneID
    public let request: ConnectRequest
    public let serverVersion: String
    let session: any SQLSessionControl
    public private(set) var mode = Mode.editor
    public private(set) var editor = SQLEditor()
    public private(set) var history: SQLHistory
    public private(set) var grid: SQLResultGrid?
    public private(set) var running: SQLStatement?
    public private(set) var outcome: SQLOutcome?
    public private(set) var notices: [String] = []
    /// The last export or copy report.
    public private(set) var message: (text: String, isError: Bool)?
    /// Set when the connection is gone: the pane stays to read, but runs nothing more.
    public private(set) var ended: String?
    let cap: Int
    /// How the session was opened (proxy, credentials, TLS, sign-in), shown until the first statement.
    public let connectLog: [String]
    /// Rows a page moves in the grid (the draw keeps the cursor in view whatever the size).
    static let page = 20

    public init(id: PaneID, request: ConnectRequest, serverVersion: String, history: SQLHistory,
                session: any SQLSessionControl, cap: Int = SQLResultGrid.defaultCap, connectLog: [String] = []) {
        self.connectLog = connectLog
        self.id = id
        self.request = request
        self.serverVersion = serverVersion
        self.history = history
        self.session = session
        self.cap = cap
    }

    public var title: String { "sql " + TextSanitizer.escape(request.database.name) }
    public var isSession: Bool { ended == nil }
    public var keyScope: KeyScope {
        switch mode {
        case .editor: return Self.editorScope
        case .grid: return Self.gridScope
        case .search: return Self.searchScope
        case .export: return Self.promptScope
        }
    }

    public mutating func perform(_ command: Command) -> PaneResponse {
        if command == .interrupt { return interrupt() }
        switch mode {
        case .editor: return editorCommand(command)
        case .grid: return gridCommand(command)
        case .search(let query, let match): return searchCommand(command, query: query, match: match)
        case .export(let path): return exportCommand(command, path: path)
        }
    }

    public mutating func input(_ key: Key) -> PaneResponse {
        guard case .char(let c) = key else { return .ignored }
        switch mode {
        case .editor:
            editor.insert(c)
        case .search(let query, _):
            mode = .search(query: query + String(c), match: history.search(query + String(c)))
        case .export(let path):
            mode = .export(path: path + String(c))
        case .grid:
            return .ignored
        }
        return .handled
    }

    public mutating func apply(_ update: any PaneUpdate) -> PaneResponse {
        guard let update = update as? SQLUpdate else { return .ignored }
        switch update {
        case .started(let statement):
            running = statement
            outcome = nil
            notices = []
            message = nil
            grid = nil
        case .columns(let columns):
            grid = SQLResultGrid(columns: columns, cap: cap)
        case .rows(let rows, let total):
            grid?.append(rows, total: total)
        case .notice(let text):
            notices = Array((notices + [TextSanitizer.escape(text)]).suffix(5))
        case .finished(let o):
            running = nil
            outcome = o
            if let lost = o.connectionLost { ended = lost }
        case .message(let text, let isError):
            message = (text, isError)
        }
        return .handled
    }

    /// Ctrl-C: cancels the running statement, else clears the statement; never quits.
    mutating func interrupt() -> PaneResponse {
        if running != nil {
            session.cancel()
            return .status("cancelling the running statement…")
        }
        switch mode {
        case .search, .export: mode = .editor
        default: editor = SQLEditor()
        }
        return .handled
    }

    mutating func editorCommand(_ command: Command) -> PaneResponse {
        switch command {
        case Self.enter:
            if editor.endsStatement { return submit() }
            editor.newline()
        case Self.run: return submit()
        case Self.searchHistory: mode = .search(query: "", match: history.search(""))
        case .up, .down:
            if !editor.move(command == .up ? .up : .down), let recalled = history.step(older: command == .up) {
                editor = SQLEditor(recalled ?? "")
            }
        case Self.left: editor.move(.left)
        case Self.right: editor.move(.right)
        case Self.lineStart: editor.move(.home)
        case Self.lineEnd: editor.move(.end)
        case Self.deleteBack: editor.backspace()
        case Self.deleteForward: editor.deleteForward()
        case Self.clear: editor = SQLEditor()
        case Self.toResults:
            guard grid != nil else { return .ignored }
            mode = .grid
        case Self.closeSession:
            guard editor.isEmpty else { editor.deleteForward(); return .handled }
            session.close()
            return .close
        default: return .ignored
        }
        return .handled
    }

    /// Sends the statement (or a backslash command) to the session.
    mutating func submit() -> PaneResponse {
        let typed = editor.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !typed.isEmpty else { return .handled }
        if let ended { return .status("the session has ended (\(ended)); Ctrl-D closes it") }
        if running != nil { return .status("a statement is running: wait, or Ctrl-C to cancel it") }
        let statement: SQLStatement
        if typed.hasPrefix("\\") {
            switch MetaCommands.statement(typed) {
            case .success(let s): statement = s
            case .failure(let e): return .status(e.description)
            }
        } else {
            statement = SQLStatement(typed: typed, sql: typed)
        }
        history.add(typed)
        editor = SQLEditor()
        running = statement
        session.run(statement)
        return .handled
    }

    mutating func gridCommand(_ command: Command) -> PaneResponse {
        guard var g = grid else {
            mode = .editor
            return .handled
        }
        let moves: [Command: SQLResultGrid.Move] = [
            .down: .down, .up: .up, Self.left: .left, Self.right: .right, .top: .top, .bottom: .bottom,
            Self.lineStart: .home, Self.lineEnd: .end, .pageDown: .pageDown, .pageUp: .pageUp,
        ]
        if let m = moves[command] {
            g.move(m, rowsShown: Self.page, width: Int.max)
            grid = g
            return .handled
        }
        switch command {
        case Self.copyCell:
            guard let value = g.currentValue else { return .status(g.rows.isEmpty ? "no rows to copy" : "the cell is NULL") }
            session.copy(value)
        case Self.exportResult:
            mode = .export(path: "~/" + Self.fileName(request.database.name) + ".csv")
        case Self.toEditor: mode = .editor
        default: return .ignored
        }
        return .handled
    }

    mutating func searchCommand(_ command: Command, query: String, match: Int?) -> PaneResponse {
        switch command {
        case Self.searchHistory: mode = .search(query: query, match: history.search(query, before: match) ?? match)
        case Self.accept:
            if let match { editor = SQLEditor(history.entries[match]) }
            mode = .editor
        case .back: mode = .editor
        case Self.deleteBack:
            let q = String(query.dropLast())
            mode = .search(query: q, match: history.search(q))
        default: return .ignored
        }
        return .handled
    }

    mutating func exportCommand(_ command: Command, path: String) -> PaneResponse {
        switch command {
        case Self.accept:
            mode = .grid
            guard let g = grid, !path.isEmpty else { return .handled }
            session.export(columns: g.columns.map(\.name), rows: g.raw, to: path)
            return .status("exporting \(g.rows.count) rows to \(path)…")
        case .back: mode = .grid
        case Self.deleteBack: mode = .export(path: String(path.dropLast()))
        case Self.clear: mode = .export(path: "")
        default: return .ignored
        }
        return .handled
    }

    /// A default export name from the database's name, safe as a file name.
    static func fileName(_ database: String) -> String {
        String(database.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }
}

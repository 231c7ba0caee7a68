import PosternCore

/// Enter on a database opens this: choose the db user (and the db name for PostgreSQL) from what
/// the roles allow, see why a choice is denied, then watch the connection's progress. A pure value;
/// connecting is handed to the protocol's `SessionLauncher`.
public struct ConnectDialog: ConsolePane {
    public enum Field: Sendable, Equatable { case user, name }

    public static let scope = KeyScope.pane("Connect dialog")
    public static let choose = Command("connect-choose")
    public static let bindings = [
        KeyBinding([.enter], choose, scope, "next field; on the last one, connect"),
        KeyBinding([.up], .up, scope, "previous allowed name"),
        KeyBinding([.down], .down, scope, "next allowed name"),
        KeyBinding([.backspace], Command("connect-delete"), scope, "delete a typed character"),
        KeyBinding([.escape], .back, scope, "back a field; close the dialog"),
    ]

    public let id: PaneID
    public let database: Database
    let checker: AccessChecker
    let services: ConsoleServices?
    public private(set) var field = Field.user
    public private(set) var users: ChoiceList
    public private(set) var names: ChoiceList?
    public private(set) var dbUser = ""
    public private(set) var dbName = ""
    public private(set) var progress: [String] = []
    public private(set) var failure: String?
    public private(set) var isConnecting = false

    public var title: String { "connect " + TextSanitizer.escape(database.name) }
    public var isSession: Bool { false }
    public var keyScope: KeyScope { Self.scope }

    /// Opens the dialog; with one user (and one name) allowed it starts connecting at once.
    public init(id: PaneID, database: Database, checker: AccessChecker, services: ConsoleServices?) {
        self.id = id
        self.database = database
        self.checker = checker
        self.services = services
        users = checker.userChoices(database)
        dbUser = users.allowed.first ?? ""
        refreshNames()
        if let user = users.single, database.protocol == .redis || names?.single != nil {
            dbUser = user
            connect()
        }
    }

    /// The RBAC verdict on the current choice, as `postern db explain` gives it.
    public var decision: AccessDecision {
        checker.check(database, dbUser: dbUser, dbName: database.protocol == .postgres ? dbName : nil)
    }

    var current: ChoiceList? { field == .user ? users : names }

    public mutating func perform(_ command: Command) -> PaneResponse {
        switch command {
        case Self.choose:
            if isConnecting { return .handled }
            if field == .user && names != nil {
                field = .name
                return .handled
            }
            connect()
        case .up, .down:
            guard !isConnecting, let list = current, !list.items.isEmpty else { return .handled }
            let value = field == .user ? dbUser : dbName
            let i = list.items.firstIndex(of: value).map { $0 + (command == .down ? 1 : -1) } ?? 0
            set(list.items[(i + list.items.count) % list.items.count])
        case Command("connect-delete"):
            guard !isConnecting, current?.anyAllowed == true else { return .handled }
            set(String((field == .user ? dbUser : dbName).dropLast()))
        case .back:
            if field == .name && !isConnecting {
                field = .user
                return .handled
            }
            return .close
        case .interrupt:
            return .status(isConnecting ? "connecting cannot be interrupted; Esc closes the dialog" : "Esc closes the dialog")
        default:
            return .ignored
        }
        return .handled
    }

    public mutating func input(_ key: Key) -> PaneResponse {
        guard case .char(let c) = key, !isConnecting else { return .ignored }
        guard current?.anyAllowed == true else {
            return .status("only the listed \(field == .user ? "users" : "names") are allowed: choose with ↑/↓")
        }
        set((field == .user ? dbUser : dbName) + String(c))
        return .handled
    }

    public mutating func apply(_ update: any PaneUpdate) -> PaneResponse {
        guard let update = update as? ConnectProgress else { return .ignored }
        switch update.step {
        case .note(let line): progress.append(line)
        case .failed(let why):
            failure = why
            isConnecting = false
        }
        return .handled
    }

    mutating func set(_ value: String) {
        failure = nil
        if field == .user {
            dbUser = value
            refreshNames()
        } else {
            dbName = value
        }
    }

    /// Names follow the user: the allowed names may differ per user.
    mutating func refreshNames() {
        names = checker.nameChoices(database, dbUser: dbUser)
        if let names, !names.items.contains(dbName) || dbName.isEmpty { dbName = names.allowed.first ?? "" }
    }

    mutating func connect() {
        let verdict = decision
        guard verdict.allowed else {
            // The verdict above says why; this says nothing was attempted.
            failure = "not connecting: your roles deny this choice (why is shown above)"
            return
        }
        guard let services, let launcher = services.launchers[database.protocol] else {
            failure = "\(database.protocol.rawValue) sessions are not available in this console yet"
            return
        }
        failure = nil
        progress = []
        isConnecting = true
        launcher.launch(ConnectRequest(database: database, dbUser: dbUser, dbName: names == nil ? "" : dbName),
                        dialog: id, services: services)
    }
}

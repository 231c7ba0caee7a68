import PosternCore

/// A Redis session: a command line with history above a transcript of commands and replies, newest
/// at the bottom. Replies are drawn by type; pub/sub messages appear as they arrive. Commands go to
/// the session's threads; the pane never waits on the network.
public struct RedisPane: ConsolePane {
    public static let scope = KeyScope.pane("Redis session")
    /// Transcript lines kept.
    static let capacity = 5000

    let id: PaneID
    let database: String
    let dbUser: String
    let protocolVersion: Int
    let session: any RedisSessionControl
    public internal(set) var input = ""
    var history: [String] = []
    /// Index into `history` while browsing it with ↑/↓.
    var historyIndex: Int?
    var transcript = RingBuffer<TextLine>(capacity: RedisPane.capacity)
    /// Lines scrolled up from the newest; 0 follows.
    var scroll = 0
    var closedReason: String?

    public init(id: PaneID, database: String, dbUser: String, protocolVersion: Int, session: any RedisSessionControl,
                connectLog: [String] = []) {
        self.id = id
        self.database = database
        self.dbUser = dbUser
        self.protocolVersion = protocolVersion
        self.session = session
        for line in connectLog { transcript.append(TextLine([(line, .muted)])) }
    }

    public var title: String { "redis " + database }
    public var isSession: Bool { closedReason == nil }
    public var keyScope: KeyScope { Self.scope }
    public var hints: String { "Enter run  ↑/↓ history  PgUp/PgDn scroll  Ctrl-L clear  Ctrl-D close  Esc back" }
    var prompt: String { database + "> " }

    public mutating func perform(_ command: Command) -> PaneResponse {
        switch command {
        case .redisRun: return run()
        case .redisHistoryBack: browseHistory(back: true)
        case .redisHistoryForward: browseHistory(back: false)
        case .pageUp: scroll = min(max(0, transcript.count - 1), scroll + 10)
        case .pageDown: scroll = max(0, scroll - 10)
        case .redisClear: transcript = RingBuffer(capacity: Self.capacity); scroll = 0
        case .redisDeleteBack: if !input.isEmpty { input.removeLast() }
        case .redisClearLine, .interrupt: input = ""; historyIndex = nil
        case .redisClose:
            session.close()
            return .close
        default: return .ignored
        }
        return .handled
    }

    public mutating func input(_ key: Key) -> PaneResponse {
        guard case .char(let c) = key else { return .ignored }
        input.append(c)
        historyIndex = nil
        return .handled
    }

    mutating func run() -> PaneResponse {
        let line = input.trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return .handled }
        guard closedReason == nil else { return .status("the session is closed: Ctrl-D closes the pane") }
        let arguments: [[UInt8]]
        do {
            arguments = try RedisCommandLine.split(line)
        } catch {
            return .status("unbalanced quotes")
        }
        guard let name = arguments.first.map({ String(decoding: $0, as: UTF8.self).lowercased() }) else { return .handled }
        if name == "quit" || name == "exit" {
            session.close()
            return .close
        }
        // Passwords (AUTH, HELLO … AUTH, CONFIG SET requirepass, …) never reach the screen or history.
        let shown = AuditRedaction.redisCommand(arguments.map { String(decoding: $0, as: UTF8.self) })
            .map(Self.quotedIfNeeded).joined(separator: " ")
        if history.last != shown { history.append(shown) }
        historyIndex = nil
        input = ""
        scroll = 0
        append([TextLine([(prompt, .prompt), (shown, .normal)])])
        session.send(arguments)
        return .handled
    }

    /// An argument as it can be typed again: quoted when it holds spaces, quotes or controls.
    static func quotedIfNeeded(_ argument: String) -> String {
        let plain = !argument.isEmpty && !argument.unicodeScalars.contains {
            $0 == " " || $0 == "\"" || $0 == "'" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F
        }
        return plain ? argument : RedisReplyLines.quoted(Array(argument.utf8))
    }

    mutating func browseHistory(back: Bool) {
        guard !history.isEmpty else { return }
        let i = historyIndex ?? history.count
        let next = back ? max(0, i - 1) : i + 1
        if next >= history.count {
            historyIndex = nil
            input = ""
        } else {
            historyIndex = next
            input = history[next]
        }
    }

    public mutating func apply(_ update: any PaneUpdate) -> PaneResponse {
        guard let u = update as? RedisUpdate else { return .ignored }
        switch u {
        case .reply(let v), .push(let v):
            append(PubSubMessage(v).map { [$0.line] } ?? RedisReplyLines.lines(v))
        case .closed(let why):
            closedReason = why
            append([TextLine([("connection closed: " + why, .error)])])
            return .status("\(database): connection closed")
        }
        return .handled
    }

    mutating func append(_ lines: [TextLine]) {
        for l in lines { transcript.append(l) }
        if scroll > 0 { scroll = min(transcript.count - 1, scroll + lines.count) }  // a scrolled view stays put
    }

    public func draw(on screen: inout VirtualScreen, in rect: Rect, theme: Theme, focused: Bool) {
        RedisPaneView(pane: self, theme: theme).draw(on: &screen, in: rect, focused: focused)
    }
}

/// A pub/sub delivery (`message`, `pmessage`, `smessage`), drawn on one line as it arrives.
struct PubSubMessage: Equatable {
    var channel: String
    var pattern: String?
    var payload: [UInt8]

    init?(_ v: RESPValue) {
        guard case .array(let items) = v.unwrappedPush, let kind = items.first?.text else { return nil }
        switch (kind.lowercased(), items.count) {
        case ("message", 3), ("smessage", 3):
            guard let channel = items[1].text, case .bulkString(let p) = items[2] else { return nil }
            self.channel = channel
            payload = p
        case ("pmessage", 4):
            guard let pattern = items[1].text, let channel = items[2].text, case .bulkString(let p) = items[3] else { return nil }
            self.pattern = pattern
            self.channel = channel
            payload = p
        default:
            return nil
        }
    }

    var line: TextLine {
        TextLine([("» ", .key), (channel, .labels), (pattern.map { " (\($0))" } ?? "", .muted), ("  ", .normal),
                  (RedisReplyLines.quoted(payload), .normal)])
    }
}

extension RESPValue {
    /// A push's items as an array, so RESP2 and RESP3 pub/sub messages read alike.
    var unwrappedPush: RESPValue {
        if case .push(let items) = self { return .array(items) }
        return self
    }
}

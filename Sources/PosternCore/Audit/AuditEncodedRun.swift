/// A session's fields as a journal record's header holds them (`AuditRecordCodec.writeSession`),
/// encoded once per session by its writer rather than once per record by the store.
public struct AuditEncodedSession: Sendable {
    public let sessionID: String
    public let user: String
    public let dbService: String
    package let fields: [UInt8]

    public init(sessionID: String, clusterName: String, user: String, database: AuditDatabase, origin: AuditOrigin) {
        self.sessionID = sessionID
        self.user = user
        dbService = database.service
        var w = AuditRecordWriter()
        AuditRecordCodec.writeSession(sessionID: sessionID, clusterName: clusterName, user: user, database: database,
                                      origin: origin, into: &w)
        fields = w.bytes
    }

    /// The fields `AuditEvent`s of this session carry (to decode a run's events).
    package var decoded: AuditRecordCodec.Session? {
        var r = AuditRecordReader(fields)
        return AuditRecordCodec.readSession(&r)
    }
}

/// A run of one session's events in the binary form a journal record holds (`AuditRecordCodec`),
/// encoded by the session's writer as it goes, so that a commit builds no `AuditEvent` per
/// statement: building one copied a score of strings, and the store then read each back to encode
/// it (a sixth of a pipelined Redis load's CPU). The store links runs into records
/// (`AuditRecordLine`); a run becomes one record, so a writer starts a new run at `isFull`.
public struct AuditEncodedRun: Sendable {
    public let session: AuditEncodedSession
    /// Each event's own fields, one after another.
    package private(set) var events = AuditRecordWriter()
    public private(set) var count = 0
    /// What the index keeps of the run: its time and `ei` range, its event types, and whether it
    /// holds the session's last event.
    public private(set) var firstTime = Int64.max
    public private(set) var lastTime = Int64.min
    public private(set) var firstIndex = Int64.max
    public private(set) var lastIndex = Int64.min
    public private(set) var types: [String] = []
    public private(set) var endsSession = false
    /// Its last event is the session's last.
    public private(set) var lastEnds = false

    /// Events per record at most (a chunk of the index takes a record whole); a record that says it
    /// holds more is not one.
    public static let maxEvents = 1024
    /// A record is closed once its events take this many bytes (a statement alone may take more):
    /// large statements of one commit do not make one line past what segment readers and SQLite take.
    public static let maxEventBytes = 1 << 20

    public init(session: AuditEncodedSession) {
        self.session = session
    }

    /// Another event would go past a record's limits.
    public var isFull: Bool { count >= Self.maxEvents || events.bytes.count >= Self.maxEventBytes }

    /// Appends an event whose `uid` is `AuditEncodedRun.derivedID(session:index:)`.
    public mutating func append(index: Int64, time: Int64, details: AuditEventDetails) {
        events.int(index)
        events.fixed(time)
        events.byte(0) // the uid: derived from the session id and this `ei`
        AuditRecordCodec.writeDetails(details, session: session.sessionID, own: index, into: &events)
        noteEvent(index: index, time: time, type: details.type, ends: details.endsSession)
    }

    private mutating func noteEvent(index: Int64, time: Int64, type: AuditEventType, ends: Bool) {
        count += 1
        firstTime = min(firstTime, time)
        lastTime = max(lastTime, time)
        firstIndex = min(firstIndex, index)
        lastIndex = max(lastIndex, index)
        // A run's events are mostly of one or two types (statement, result).
        let name = type.rawValue
        if !types.contains(name) { types.append(name) }
        if ends { endsSession = true }
        lastEnds = ends
    }

    /// Appends the result of the statement whose `ei` is `statement`: its query uid is that
    /// statement's derived id (`result.queryID` is not read: no id is built for it).
    public mutating func append(index: Int64, time: Int64, result: AuditEventDetails.Result, answering statement: Int64) {
        events.int(index)
        events.fixed(time)
        events.byte(0)
        AuditRecordCodec.writeResult(result, into: &events) { w in
            if statement == index {
                w.byte(0)
            } else {
                w.byte(1)
                w.int(statement)
            }
        }
        noteEvent(index: index, time: time, type: .result, ends: false)
    }

    /// The events, decoded (for subscribers, and for stores that keep events rather than records).
    public func decoded() -> [AuditEvent]? {
        guard let session = session.decoded else { return nil }
        var r = AuditRecordReader(events.bytes)
        var out: [AuditEvent] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            guard let e = AuditRecordCodec.readEvent(&r, of: session, version: AuditRecordCodec.version) else { return nil }
            out.append(e)
        }
        return r.atEnd ? out : nil
    }

    /// Every run's events, in order; throws if one does not decode (never: its writer encoded it).
    public static func events(of runs: [AuditEncodedRun]) throws -> [AuditEvent] {
        var out: [AuditEvent] = []
        for run in runs where run.count > 0 {
            guard let events = run.decoded() else { throw Undecodable() }
            out += events
        }
        return out
    }

    public struct Undecodable: Error, CustomStringConvertible {
        public var description: String { "an encoded audit run does not decode" }
    }

    // MARK: derived ids

    /// A UUID-shaped id, stable for (session, index): the session id with its last group replaced
    /// by the index, so ids are unique wherever session ids are, and cost no hashing (a result names
    /// the `uid` of its statement without a table of them). Records hold such ids as their `ei` only.
    public static func derivedID(session: String, index: Int) -> String {
        derivedID(session: session, index: Int64(index))
    }

    static func derivedID(session: String, index: Int64) -> String {
        let (stem, dash) = stem(of: session)
        let width = digits(index)
        return String(unsafeUninitializedCapacity: stem.count + dash + width) { out in
            var at = out.initialize(fromContentsOf: stem)
            if dash == 1 { out[at] = UInt8(ascii: "-"); at += 1 }
            var value = UInt64(bitPattern: index)
            for place in stride(from: at + width - 1, through: at, by: -1) {
                out[place] = hexDigits[Int(value & 0xF)]
                value >>= 4
            }
            return at + width
        }
    }

    /// The `ei` an id was derived from with this session id (exactly: `derivedID` gives it back), if it was.
    package static func derivedIndex(of id: String, session: String) -> Int64? {
        let (stem, dash) = stem(of: session)
        let u = id.utf8
        let head = stem.count + dash
        guard u.count >= head + 12, u.count <= head + 16, u.starts(with: stem) else { return nil }
        var at = u.index(u.startIndex, offsetBy: stem.count)
        if dash == 1 {
            guard u[at] == UInt8(ascii: "-") else { return nil }
            at = u.index(after: at)
        }
        var value: UInt64 = 0
        for c in u[at...] {
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        let index = Int64(bitPattern: value)
        // Leading zeros past the twelfth digit would not come back the same.
        return digits(index) == u.count - head ? index : nil
    }

    /// The session id's part kept: its first four groups, or all of an id of another shape, then a dash.
    private static func stem(of session: String) -> (Substring.UTF8View, dash: Int) {
        session.utf8.count == 36 ? (session[...].utf8.prefix(24), 0) : (session[...].utf8, 1)
    }

    /// Hex digits an index takes: 12 at least, as a UUID's last group.
    private static func digits(_ index: Int64) -> Int {
        let value = UInt64(bitPattern: index)
        var width = 12
        while width < 16, value >> (4 * width) != 0 { width += 1 }
        return width
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

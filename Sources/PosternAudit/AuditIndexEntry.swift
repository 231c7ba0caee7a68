import PosternCore

/// What the index takes of one journal line: a record's events summed up (their session, time and
/// `ei` range, types and count), or a line of the older kind's one event. The write path hands the
/// index one entry per record, not a row per event: per-event rows (a score of strings and the
/// link's two arrays each, copied, hashed by session and freed on the index thread) were most of
/// the index's cost under a pipelined Redis load.
struct AuditIndexEntry: Sendable {
    let sessionID: String
    let user: String
    let dbService: String
    var firstTime: Int64
    var lastTime: Int64
    var firstIndex: Int64
    var lastIndex: Int64
    /// Each event type once, in the order met.
    var types: [String]
    /// Events in the line.
    var count: Int
    /// The line holds the event after which its session writes nothing more.
    var endsSession: Bool
    /// Its last event is that one: the session's chain tip goes with the record (what a record that
    /// ends otherwise, never written so, leaves is its tip, as record by record).
    var lastEnds: Bool
    /// Its events name more than one session, user or database (never written so; the verifier says so).
    var mixed = false
    /// The record's link in its session's chain (nil for lines written before chains).
    var chain: AuditChainLink?
    /// The line, without its newline.
    var line: ArraySlice<UInt8>

    /// An entry of one event, to which a record's further events are `add`ed.
    init(_ e: AuditEvent, chain: AuditChainLink? = nil, line: ArraySlice<UInt8> = []) {
        self.init(session: e.sessionID, user: e.user, dbService: e.database.service, time: e.time.nanoseconds, index: e.index,
                  type: e.type.rawValue, ends: SQLiteAuditBackend.endsSession(e), chain: chain, line: line)
    }

    /// A run its writer encoded (its line is set once written).
    init(_ run: AuditEncodedRun) {
        self.init(session: run.session.sessionID, user: run.session.user, dbService: run.session.dbService,
                  time: run.firstTime, index: run.firstIndex, type: "", ends: run.endsSession, chain: nil, line: [])
        (lastTime, lastIndex, types, count, lastEnds) = (run.lastTime, run.lastIndex, run.types, run.count, run.lastEnds)
    }

    /// Rows read back from a line (a record's events, or an older line's one), summed up.
    init?(rows: [AuditIndexRow], line: ArraySlice<UInt8>) {
        guard let first = rows.first else { return nil }
        self.init(session: first.sessionID, user: first.user, dbService: first.dbService, time: first.time, index: first.index,
                  type: first.event, ends: first.endsSession, chain: first.chain, line: line)
        for row in rows.dropFirst() {
            note(time: row.time, index: row.index, type: row.event, ends: row.endsSession)
            if row.sessionID != sessionID || row.user != user || row.dbService != dbService { mixed = true }
        }
    }

    private init(session: String, user: String, dbService: String, time: Int64, index: Int64, type: String, ends: Bool,
                 chain: AuditChainLink?, line: ArraySlice<UInt8>) {
        sessionID = session
        self.user = user
        self.dbService = dbService
        (firstTime, lastTime, firstIndex, lastIndex) = (time, time, index, index)
        types = [type]
        count = 1
        (endsSession, lastEnds) = (ends, ends)
        self.chain = chain
        self.line = line
    }

    /// A record's next event (the record is one session's: its fields are the first event's).
    mutating func add(_ e: AuditEvent) {
        note(time: e.time.nanoseconds, index: e.index, type: e.type.rawValue, ends: SQLiteAuditBackend.endsSession(e))
    }

    private mutating func note(time: Int64, index: Int64, type: String, ends: Bool) {
        firstTime = min(firstTime, time)
        lastTime = max(lastTime, time)
        firstIndex = min(firstIndex, index)
        lastIndex = max(lastIndex, index)
        // A record's events are mostly of one type, or two alternating (statement, result).
        if !types.contains(type) { types.append(type) }
        count += 1
        endsSession = endsSession || ends
        lastEnds = ends
    }
}

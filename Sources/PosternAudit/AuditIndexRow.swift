import PosternCore

/// What the index knows of an event: the searchable columns, and the event (a record's, decoded)
/// or its JSON (a line of the older kind).
struct AuditIndexRow: Sendable {
    var time: Int64
    var event: String
    var code: String
    var user: String
    var dbService: String
    var sessionID: String
    var index: Int64
    var uid: String
    /// The event after which its session writes nothing more (its end, or a refused start).
    var endsSession: Bool
    var payload: Payload
    /// Its link in the session's hash chain (nil in rows written before chains); a record's, for
    /// each of its events.
    var chain: AuditChainLink? = nil
    /// Its journal line, without the newline, once written or read (empty before); a record's
    /// events share it.
    var line: ArraySlice<UInt8> = []
    /// Its place in its record (nil: a line of its own, the older kind).
    var part: Part? = nil

    enum Payload: Sendable {
        case json(String)
        case event(AuditEvent)

        /// The event's JSON as stored (a line's) or rendered (a record's: the same bytes).
        func json(at position: Int64) throws -> String {
            switch self {
            case .json(let text): return text
            case .event(let e):
                do {
                    return try e.jsonString()
                } catch {
                    throw AuditStoreError.corrupt(position: position, reason: String(describing: error).prefix(200).description)
                }
            }
        }

        /// The event, decoded from its JSON if it is a line's.
        func decoded(at position: Int64) throws -> AuditEvent {
            switch self {
            case .json(let text): try decodeStored(text, at: position)
            case .event(let e): e
            }
        }
    }

    struct Part: Sendable, Equatable {
        let ordinal: Int
        let count: Int
        /// Whether the record's contents match its hash, when read for `audit verify` (else nil).
        var intact: Bool? = nil

        var isFirst: Bool { ordinal == 0 }
        var isLast: Bool { ordinal == count - 1 }
    }

    init(time: Int64, event: String, code: String, user: String, dbService: String, sessionID: String, index: Int64,
         uid: String, endsSession: Bool, json: String, chain: AuditChainLink? = nil, line: ArraySlice<UInt8> = []) {
        self.time = time
        self.event = event
        self.code = code
        self.user = user
        self.dbService = dbService
        self.sessionID = sessionID
        self.index = index
        self.uid = uid
        self.endsSession = endsSession
        payload = .json(json)
        self.chain = chain
        self.line = line
    }

    /// A record's event, as read back.
    init(_ ev: AuditEvent, chain: AuditChainLink? = nil, line: ArraySlice<UInt8> = [], part: Part? = nil) {
        time = ev.time.nanoseconds
        event = ev.type.rawValue
        code = ev.code
        user = ev.user
        dbService = ev.database.service
        sessionID = ev.sessionID
        index = ev.index
        uid = ev.id
        endsSession = SQLiteAuditBackend.endsSession(ev)
        payload = .event(ev)
        self.chain = chain
        self.line = line
        self.part = part
    }

    /// An event as a line of the older kind (JSON; tests write such journals).
    init(_ e: EncodedAuditEvent) {
        self.init(e.event)
        payload = .json(e.json)
    }

    /// A line's JSON (empty for a record's event, whose hash is its record's).
    var lineJSON: String {
        if case .json(let text) = payload { return text }
        return ""
    }
}

/// A journal line: the index columns, tab-separated, then the chain link (previous and own hash, 128
/// hex digits; absent in lines written before chains), then the event's JSON, then a newline.
/// Indexing a journal from its file (a dead process's, or after the index fell behind) then needs
/// no JSON decoding. Column text escapes `%`, tab, newline and carriage return as `%25`, `%09`, `%0A`, `%0D`;
/// JSON never holds a raw control character.
enum AuditJournalLine {
    static let columns = 9

    static func append(_ row: AuditIndexRow, to out: inout [UInt8]) {
        out += String(row.time).utf8
        // One call per column, not a loop over an array of them: this runs for every event.
        column(row.event, into: &out)
        column(row.code, into: &out)
        column(row.user, into: &out)
        column(row.dbService, into: &out)
        column(row.sessionID, into: &out)
        out.append(9)
        out += String(row.index).utf8
        out.append(9)
        escape(row.uid, into: &out)
        out.append(9)
        out.append(row.endsSession ? 0x31 : 0x30)
        out.append(9)
        if let chain = row.chain {
            AuditChainLink.hex(chain.previous, into: &out)
            AuditChainLink.hex(chain.hash, into: &out)
            out.append(9)
        }
        out += row.lineJSON.utf8
        out.append(10)
    }

    /// The rows a journal line (without its newline) holds: a record's events, or a line of this
    /// older kind's one; nil if it is neither, whole.
    static func rows(_ line: ArraySlice<UInt8>, checking: Bool = false) -> [AuditIndexRow]? {
        if AuditRecordLine.isRecord(line) { return AuditRecordLine.rows(line, checking: checking) }
        return parse(line).map { [$0] }
    }

    /// The session and `ei` a line that is not whole names, if they can be read (of either kind).
    static func named(_ line: ArraySlice<UInt8>) -> (session: String, index: Int64?)? {
        if AuditRecordLine.isRecord(line) { return AuditRecordLine.sessionAndIndex(line) }
        return sessionAndIndex(line).map { ($0.session, $0.index) }
    }

    /// The row a line (without its newline) holds, or nil if it is not a whole line of this format.
    static func parse(_ line: ArraySlice<UInt8>) -> AuditIndexRow? {
        var fields: [ArraySlice<UInt8>] = []
        fields.reserveCapacity(columns)
        var start = line.startIndex
        var i = line.startIndex
        while fields.count < columns, i < line.endIndex {
            if line[i] == 9 {
                fields.append(line[start..<i])
                start = i + 1
            }
            i += 1
        }
        var chain: AuditChainLink?
        if fields.count == columns, start < line.endIndex, line[start] != 0x7b {
            guard let tab = line[start...].firstIndex(of: 9), let bytes = AuditChainLink.unhex(line[start..<tab]),
                  let link = AuditChainLink(stored: bytes)
            else { return nil }
            chain = link
            start = tab + 1
        }
        guard fields.count == columns, start < line.endIndex, line[start] == 0x7b, line.last == 0x7d,
              let time = Int64(String(decoding: fields[0], as: UTF8.self)),
              let index = Int64(String(decoding: fields[6], as: UTF8.self)),
              let event = unescape(fields[1]), let code = unescape(fields[2]), let user = unescape(fields[3]),
              let service = unescape(fields[4]), let sid = unescape(fields[5]), let uid = unescape(fields[7]),
              fields[8].count == 1
        else { return nil }
        return AuditIndexRow(time: time, event: event, code: code, user: user, dbService: service, sessionID: sid,
                             index: index, uid: uid, endsSession: fields[8].first == 0x31,
                             json: String(decoding: line[start...], as: UTF8.self), chain: chain, line: line)
    }

    /// The session and `ei` columns of a line that is not a whole record (to name it when it
    /// is reported), if they can be read.
    static func sessionAndIndex(_ line: ArraySlice<UInt8>) -> (session: String, index: Int64)? {
        let fields = line.split(separator: 9, maxSplits: columns, omittingEmptySubsequences: false)
        guard fields.count > 6, let sid = unescape(fields[5]), let index = Int64(String(decoding: fields[6], as: UTF8.self)) else { return nil }
        return (sid, index)
    }

    private static func column(_ text: String, into out: inout [UInt8]) {
        out.append(9)
        escape(text, into: &out)
    }

    private static func escape(_ text: String, into out: inout [UInt8]) {
        // Column texts almost never hold a byte to escape: copied whole when they do not.
        var text = text
        let plain = text.withUTF8 { utf8 in
            for b in utf8 where b == 0x25 || b == 9 || b == 10 || b == 13 { return false }
            out.append(contentsOf: utf8)
            return true
        }
        if plain { return }
        for b in text.utf8 {
            switch b {
            case 0x25: out += [0x25, 0x32, 0x35]
            case 9: out += [0x25, 0x30, 0x39]
            case 10: out += [0x25, 0x30, 0x41]
            case 13: out += [0x25, 0x30, 0x44]
            default: out.append(b)
            }
        }
    }

    private static func unescape(_ field: ArraySlice<UInt8>) -> String? {
        guard field.contains(0x25) else { return String(decoding: field, as: UTF8.self) }
        var out: [UInt8] = []
        var i = field.startIndex
        while i < field.endIndex {
            guard field[i] == 0x25 else {
                out.append(field[i])
                i += 1
                continue
            }
            guard i + 3 <= field.endIndex,
                  let byte = UInt8(String(decoding: field[(i + 1)..<(i + 3)], as: UTF8.self), radix: 16)
            else { return nil }
            out.append(byte)
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

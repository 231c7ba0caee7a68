import Foundation

/// One audit event, encoded as Teleport's flat JSON (`tsh play --format json` shows the same shape).
/// `event` and `code` follow from `details`, so an event can never carry a code that contradicts it.
public struct AuditEvent: Sendable, Hashable {
    /// `ei`: the event's index within its session, from 0 (session start) upward.
    public var index: Int64
    /// `uid`: a lowercase UUID.
    public var id: String
    public var time: AuditTime
    public var clusterName: String
    /// `user`: the Postern user.
    public var user: String
    /// `sid`: the session's UUID.
    public var sessionID: String
    public var database: AuditDatabase
    /// The operator's OS login, uid and SSH address (bastion mode); empty otherwise.
    public var origin: AuditOrigin
    public var details: AuditEventDetails

    public init(index: Int64, id: String = AuditEvent.newID(), time: AuditTime = .now(), clusterName: String,
                user: String, sessionID: String, database: AuditDatabase, origin: AuditOrigin = .none,
                details: AuditEventDetails) {
        self.index = index
        self.id = id
        self.time = time
        self.clusterName = clusterName
        self.user = user
        self.sessionID = sessionID
        self.database = database
        self.origin = origin
        self.details = details
    }

    public var type: AuditEventType { details.type }
    public var code: String { details.code }

    /// A fresh lowercase random UUID.
    public static func newID() -> String { AuditID.make() }
}

extension AuditEvent: Codable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AuditKey.self)
        try write(into: &c)
    }

    func write(into c: inout some AuditFieldWriter) throws {
        try writeOwnFields(into: &c)
        try Self.writeSessionFields(clusterName: clusterName, user: user, sessionID: sessionID, database: database,
                                    origin: origin, into: &c)
    }

    /// The fields that differ from one event of a session to the next.
    func writeOwnFields(into c: inout some AuditFieldWriter) throws {
        try c.put(index, .index)
        try c.put(type.rawValue, .type)
        try c.putNonEmpty(id, .id)
        try c.put(code, .code)
        try c.put(time, .time)
        try details.encode(into: &c)
    }

    /// The fields every event of a session shares.
    static func writeSessionFields(clusterName: String, user: String, sessionID: String, database: AuditDatabase,
                                   origin: AuditOrigin, into c: inout some AuditFieldWriter) throws {
        try c.putNonEmpty(clusterName, .clusterName)
        try c.putNonEmpty(user, .user)
        try c.put(sessionID, .sessionID)
        try database.encode(into: &c)
        try origin.encode(into: &c)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AuditKey.self)
        let typeName = try c.decode(String.self, forKey: .type)
        guard let type = AuditEventType(rawValue: typeName) else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown event \(typeName)")
        }
        self.init(index: try c.decode(Int64.self, forKey: .index), id: try c.string(.id),
                  time: try c.decode(AuditTime.self, forKey: .time), clusterName: try c.string(.clusterName),
                  user: try c.string(.user), sessionID: try c.decode(String.self, forKey: .sessionID),
                  database: try AuditDatabase(from: c), origin: try AuditOrigin(from: c),
                  details: try AuditEventDetails(type, from: c))
        let code = try c.decode(String.self, forKey: .code)
        guard code == self.code, self.type == type else {
            throw DecodingError.dataCorruptedError(forKey: .code, in: c,
                                                   debugDescription: "code \(code) does not fit event \(typeName)")
        }
    }
}

extension AuditEvent {
    /// Deterministic JSON: keys sorted (as `tsh` prints them), slashes unescaped, no whitespace; the
    /// same bytes as `AuditJSON.encoder()` gives, written directly (several times faster, and this runs
    /// for every audited statement).
    public func jsonString() throws -> String {
        var w = AuditJSONWriter()
        try write(into: &w)
        return w.render()
    }

    public func jsonData() throws -> Data { Data(try jsonString().utf8) }

    public static func decode(json: Data) throws -> AuditEvent { try JSONDecoder().decode(AuditEvent.self, from: json) }
}

public enum AuditJSON {
    /// JSON for a terminal: characters a terminal would act on (DEL, C1 controls, bidi and zero-width
    /// marks, which JSON leaves raw) become `\uXXXX` escapes, so the text stays valid, equal JSON.
    /// C0 controls are left: inside strings the encoder has escaped them, so raw ones are layout.
    public static func terminalSafe(_ json: String) -> String {
        let unsafe = { (u: Unicode.Scalar) in u.value >= 0x7F && TextSanitizer.needsEscape(u) }
        // Plain ASCII (most output, and all of a long `play`) is looked at a byte at a time, not decoded.
        var bytes = json
        if bytes.withUTF8({ !$0.contains { $0 >= 0x7F } }) { return json }
        guard json.unicodeScalars.contains(where: unsafe) else { return json }
        var out = ""
        out.reserveCapacity(json.utf8.count + 16)
        for u in json.unicodeScalars {
            if unsafe(u) {
                let hex = String(u.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A fresh encoder (JSONEncoder is not Sendable, so none is shared across threads).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
                                    : [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}

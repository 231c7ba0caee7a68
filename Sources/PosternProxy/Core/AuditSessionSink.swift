import Crypto
import PosternCore

/// Feeds the proxy's session events to an `AuditSink` (the audit store) as Teleport's events.
///
/// Each event's `uid` is derived from the session id and its `ei`, so a result can name the
/// `uid` of the statement it answers (`query_uid`) without the proxy keeping a table of them.
public struct AuditSessionSink: SessionEventSink {
    public let sink: any AuditSink

    public init(_ sink: any AuditSink) { self.sink = sink }

    public func record(_ events: [SessionEvent], of session: SessionInfo) async throws {
        try await sink.record(contentsOf: events.map { Self.auditEvent($0, of: session) })
    }

    public static func auditEvent(_ event: SessionEvent, of session: SessionInfo) -> AuditEvent {
        let route = session.route
        let database = AuditDatabase(route.database, dbUser: route.dbUser, dbName: route.dbName, roles: route.user.roles)
        let time = AuditTime(nanoseconds: event.timeNanos)
        return AuditEvent(index: Int64(event.index), id: eventID(session: session.id, index: event.index), time: time,
                          clusterName: session.clusterName, user: route.user.name, sessionID: session.id,
                          database: database, details: details(event.kind, session: session, time: time))
    }

    static func details(_ kind: SessionEvent.Kind, session: SessionInfo, time: AuditTime) -> AuditEventDetails {
        switch kind {
        case .start(let error):
            let status = error.map { AuditStatus.failed($0, message: $0) } ?? .ok
            return .sessionStart(.init(status: status, userAgent: session.clientApplication ?? ""))
        case .end:
            return .sessionEnd(.init(sessionStop: time))
        case .query(let text):
            return .query(.init(query: AuditRedaction.sql(text)))
        case .parse(let statement, let query):
            return .postgresParse(.init(statementName: statement, query: AuditRedaction.sql(query)))
        case .bind(let statement, let portal, let parameters):
            return .postgresBind(.init(statementName: statement, portalName: portal, parameters: parameters.map { $0 ?? "" }))
        case .execute(let portal):
            return .postgresExecute(.init(portalName: portal))
        case .close(let target, let name):
            return .postgresClose(.init(statementName: target == .statement ? name : "",
                                        portalName: target == .portal ? name : ""))
        case .function(let oid, let arguments):
            return .postgresFunction(.init(functionOID: oid, functionArgs: arguments.map { $0 ?? "" }))
        case .malformed(_, let prefix):
            return .malformedPacket(.init(payload: prefix))
        case .result(let r):
            let status = r.error.map { AuditStatus.failed($0, message: $0) } ?? .ok
            return .result(.init(queryID: eventID(session: session.id, index: r.statementIndex), status: status,
                                 sqlState: r.sqlState ?? "", affectedRecords: r.rows.map { UInt64(max($0, 0)) },
                                 durationMicroseconds: r.durationNanos / 1000, commandTag: r.tag ?? ""))
        }
    }

    /// A UUID-shaped id, stable for (session, index).
    static func eventID(session: String, index: Int) -> String {
        var digest = Array(SHA256.hash(data: Array("\(session)/\(index)".utf8)).prefix(16))
        digest[6] = (digest[6] & 0x0f) | 0x50  // name-based (version 5 layout)
        digest[8] = (digest[8] & 0x3f) | 0x80  // RFC 4122 variant
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for (i, byte) in digest.enumerated() {
            if [4, 6, 8, 10].contains(i) { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

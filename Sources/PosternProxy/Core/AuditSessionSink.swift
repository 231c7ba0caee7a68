import PosternCore

/// Feeds the proxy's session events to an `AuditSink` (the audit store) as Teleport's events.
///
/// Each event's `uid` is derived from the session id and its `ei`, so a result can name the
/// `uid` of the statement it answers (`query_uid`) without the proxy keeping a table of them.
public struct AuditSessionSink: SessionEventSink {
    public let sink: any AuditSink
    public let tickCommitters: TickCommitters?

    public init(_ sink: any AuditSink) {
        self.sink = sink
        let immediate = sink as? any ImmediateAuditSink
        let onLoop = immediate?.prefersCallerCommits == true
        tickCommitters = onLoop ? immediate.map { TickCommitters(store: $0) } : nil
    }

    public func sessionFinished(_ sessionID: String) { sink.sessionFinished(sessionID) }

    public var budgetExceeded: String? { sink.budgetExceeded }

    public func record(_ events: [SessionEvent], of session: SessionInfo) async throws {
        try await sink.record(contentsOf: events.map { Self.auditEvent($0, of: session) })
    }

    public func record(_ events: [SessionEvent], of session: SessionInfo,
                       completion: @escaping @Sendable ((any Error)?) -> Void) {
        sink.record(events.map { Self.auditEvent($0, of: session) }, completion: completion)
    }

    public static func auditEvent(_ event: SessionEvent, of session: SessionInfo) -> AuditEvent {
        let time = AuditTime(nanoseconds: event.timeNanos)
        return AuditEvent(index: Int64(event.index), id: eventID(session: session.id, index: event.index), time: time,
                          clusterName: session.clusterName, user: session.route.user.name, sessionID: session.id,
                          database: session.auditDatabase, origin: session.route.origin,
                          details: details(event.kind, session: session, time: time))
    }

    static func details(_ kind: SessionEvent.Kind, session: SessionInfo, time: AuditTime) -> AuditEventDetails {
        switch kind {
        case .start(let error):
            let status = error.map { AuditStatus.failed($0, message: $0) } ?? .ok
            return .sessionStart(.init(status: status, userAgent: session.clientApplication ?? "",
                                       startupParameters: session.startupParameters))
        case .end:
            return .sessionEnd(.init(sessionStop: time))
        case .ended(let reason):
            return .sessionEnd(.init(sessionStop: time, reason: reason))
        case .query(let text):
            return .query(.init(query: AuditRedaction.sql(text)))
        case .statement(let details):
            return details
        case .malformed(_, let prefix):
            return .malformedPacket(.init(payload: prefix))
        case .result(let r):
            return .result(result(r, queryID: eventID(session: session.id, index: r.statementIndex)))
        }
    }

    static func result(_ r: StatementResult, queryID: String) -> AuditEventDetails.Result {
        let status = r.error.map { AuditStatus.failed($0, message: $0) } ?? .ok
        return .init(queryID: queryID, status: status, sqlState: r.sqlState ?? "", affectedRecords: r.rows.map { UInt64(max($0, 0)) },
                     durationMicroseconds: r.durationNanos / 1000, commandTag: r.tag ?? "")
    }

    /// The fields `auditEvent` gives every event of the session, as a record header holds them.
    static func encodedSession(_ session: SessionInfo) -> AuditEncodedSession {
        AuditEncodedSession(sessionID: session.id, clusterName: session.clusterName, user: session.route.user.name,
                            database: session.auditDatabase, origin: session.route.origin)
    }

    /// Stable for (session, index): see `AuditEncodedRun.derivedID`.
    static func eventID(session: String, index: Int) -> String { AuditEncodedRun.derivedID(session: session, index: index) }
}

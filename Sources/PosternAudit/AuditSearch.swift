import PosternCore

/// A search of the audit log: every condition set must hold. Results are the newest `limit`
/// matches, returned oldest first (newest last), as a log reads.
public struct AuditSearch: Sendable, Equatable {
    public var since: AuditTime?
    /// Exclusive.
    public var until: AuditTime?
    /// Empty: every type.
    public var types: Set<AuditEventType>
    public var user: String?
    /// `db_service`.
    public var database: String?
    public var sessionID: String?
    public var limit: Int

    public init(since: AuditTime? = nil, until: AuditTime? = nil, types: Set<AuditEventType> = [],
                user: String? = nil, database: String? = nil, sessionID: String? = nil, limit: Int = 1000) {
        self.since = since
        self.until = until
        self.types = types
        self.user = user
        self.database = database
        self.sessionID = sessionID
        self.limit = limit
    }

    public func matches(_ e: AuditEvent) -> Bool {
        matches(time: e.time.nanoseconds, type: e.type.rawValue, user: e.user, database: e.database.service, session: e.sessionID)
    }

    /// The same test on an event's index columns (before its JSON is decoded).
    func matches(time: Int64, type: String, user: String, database: String, session: String) -> Bool {
        if let since, time < since.nanoseconds { return false }
        if let until, time >= until.nanoseconds { return false }
        if !types.isEmpty, !types.contains(where: { $0.rawValue == type }) { return false }
        if let wanted = self.user, user != wanted { return false }
        if let wanted = self.database, database != wanted { return false }
        if let sessionID, session != sessionID { return false }
        return true
    }
}

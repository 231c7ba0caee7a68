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
        if let since, e.time < since { return false }
        if let until, e.time >= until { return false }
        if !types.isEmpty, !types.contains(e.type) { return false }
        if let user, e.user != user { return false }
        if let database, e.database.service != database { return false }
        if let sessionID, e.sessionID != sessionID { return false }
        return true
    }
}

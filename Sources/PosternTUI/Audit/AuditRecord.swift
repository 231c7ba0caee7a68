/// One audit event as the console shows it: display-ready and immutable. The CLI builds these from
/// the audit store, so PosternTUI never depends on PosternAudit. Text is drawn through
/// `VirtualScreen.put`, which escapes control characters, so records may carry raw event text.
public struct AuditRecord: Sendable, Equatable {
    /// RFC 3339, UTC.
    public var time: String
    /// `db.session.query`, …
    public var type: String
    public var sessionID: String
    public var user: String
    /// The database's name in Postern (`db_service`).
    public var database: String
    /// One line: the statement, the outcome, …
    public var summary: String
    /// A refused session, a failed statement: drawn as an error.
    public var failed: Bool
    /// The event's compact JSON (already redacted by the proxy; sanitised again when drawn).
    public var json: String

    public init(time: String, type: String, sessionID: String, user: String, database: String, summary: String,
                failed: Bool, json: String) {
        self.time = time
        self.type = type
        self.sessionID = sessionID
        self.user = user
        self.database = database
        self.summary = summary
        self.failed = failed
        self.json = json
    }

    /// `HH:MM:SS` of the RFC 3339 time.
    var clock: String {
        guard let t = time.firstIndex(of: "T") else { return time }
        return String(time[time.index(after: t)...].prefix(8))
    }

    /// The type without the `db.session.` and `postgres.statements.` prefixes every event shares.
    var shortType: String {
        var s = Substring(type)
        for prefix in ["db.session.", "postgres.statements."] where s.hasPrefix(prefix) { s = s.dropFirst(prefix.count) }
        return String(s)
    }
}

/// Where the audit pane's records come from: the store's live subscription in the CLI, a fixed list
/// in tests. The sequence ends when the store closes.
public protocol AuditFeed: Sendable {
    func records() throws -> AsyncThrowingStream<AuditRecord, any Error>
}

/// Records that arrived since the last update, posted as one `PaneUpdate` so a burst of events
/// costs one redraw. `skipped` counts records dropped before posting because the burst was
/// larger than the pane keeps anyway.
public struct AuditBatch: PaneUpdate, Equatable {
    public var records: [AuditRecord]
    public var skipped: Int

    public init(records: [AuditRecord], skipped: Int = 0) {
        self.records = records
        self.skipped = skipped
    }
}

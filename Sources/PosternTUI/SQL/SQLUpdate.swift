/// A statement to run: what was typed (for history) and what goes to the server.
public struct SQLStatement: Sendable, Equatable {
    public var typed: String
    public var sql: String
    public var params: [String]

    public init(typed: String, sql: String, params: [String] = []) {
        self.typed = typed
        self.sql = sql
        self.params = params
    }
}

/// How a statement ended.
public struct SQLOutcome: Sendable, Equatable {
    /// Command tags of every statement that completed ("SELECT 3", "INSERT 0 1").
    public var tags: [String]
    public var error: SQLError?
    /// Seconds from sending to the last result.
    public var duration: Double
    /// The connection broke (the proxy or server ended it): the session is over.
    public var connectionLost: String?

    public init(tags: [String], error: SQLError?, duration: Double, connectionLost: String? = nil) {
        self.tags = tags
        self.error = error
        self.duration = duration
        self.connectionLost = connectionLost
    }
}

/// Snapshots the session's thread posts to its pane, in order.
public enum SQLUpdate: PaneUpdate {
    case started(SQLStatement)
    /// A new result set begins.
    case columns([SQLColumn])
    /// More rows (only those the grid keeps), and how many the server has sent for this result.
    case rows([[String?]], total: Int)
    case notice(String)
    case finished(SQLOutcome)
    /// Export or copy finished (or failed), for the status line.
    case message(String, isError: Bool)
}

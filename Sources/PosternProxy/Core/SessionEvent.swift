import PosternCore

/// What every event of one proxy session shares (Teleport's common fields).
public struct SessionInfo: Sendable {
    /// Session id (a UUID), Teleport's `sid`.
    public var id: String
    public var clusterName: String
    public var route: Route
    /// The client's own `application_name`, when it sent one.
    public var clientApplication: String?
    /// The run-time parameters sent upstream in the StartupMessage (PostgreSQL; beside user and database).
    public var startupParameters: [String: String] = [:]
    /// The events' database fields, worked out once per session rather than per event.
    public let auditDatabase: AuditDatabase

    public init(id: String, clusterName: String, route: Route, clientApplication: String? = nil) {
        self.id = id
        self.clusterName = clusterName
        self.route = route
        self.clientApplication = clientApplication
        auditDatabase = AuditDatabase(route.database, dbUser: route.dbUser, dbName: route.dbName, roles: route.user.roles)
    }
}

/// One audited thing that happened in a session, in the proxy's terms, mapped to Teleport's JSON
/// event when recorded. Never a password, token or key of Postern's; what the client sent is kept
/// as sent but for the secrets the engine or the recording masks (SQL's, Redis's AUTH and the like).
public struct SessionEvent: Sendable, Equatable {
    /// Position in the session, from 0 (Teleport's `ei`).
    public var index: Int
    /// Wall-clock time, nanoseconds since the Unix epoch.
    public var timeNanos: Int64
    public var kind: Kind

    public init(index: Int, timeNanos: Int64, kind: Kind) {
        self.index = index
        self.timeNanos = timeNanos
        self.kind = kind
    }

    public enum Kind: Sendable, Equatable {
        /// db.session.start: `error` nil on success (TDB00I), else the reason (TDB00W).
        case start(error: String?)
        /// db.session.end (TDB01I).
        case end
        /// db.session.end (TDB01I) of a session Postern ended, with the reason.
        case ended(reason: String)
        /// db.session.query (TDB02I): a statement or command as the client sent it (SQL's secrets
        /// are masked when it is recorded).
        case query(String)
        /// A client statement event only one engine has, already in its audit form (PostgreSQL's
        /// extended protocol: `db.session.postgres.statements.parse|bind|execute|close`, `.function`).
        /// Only for what a client sent: it counts as client activity and gates forwarding.
        case statement(AuditEventDetails)
        /// db.session.malformed_packet (TDB06I): what was wrong, and the first bytes of the message.
        case malformed(reason: String, prefix: [UInt8])
        /// db.session.result (TDB10I): the outcome of the statement event at `statementIndex`.
        case result(StatementResult)
    }
}

extension SessionEvent.Kind {
    /// Something the client sent, as opposed to what the proxy records about the session.
    var isClientStatement: Bool {
        switch self {
        case .query, .statement: return true
        case .start, .end, .ended, .malformed, .result: return false
        }
    }
}

/// How one statement or command ended (PostgreSQL: a Query, an Execute or a FunctionCall).
public struct StatementResult: Sendable, Equatable {
    public var statementIndex: Int
    /// The CommandComplete tag (`SELECT 5`, `INSERT 0 1`, `CREATE TABLE`), when the server sent one.
    public var tag: String?
    /// Rows affected or returned, from the command tag.
    public var rows: Int?
    public var durationNanos: Int64
    public var error: String?
    public var sqlState: String?

    public init(statementIndex: Int, tag: String?, rows: Int?, durationNanos: Int64, error: String?,
                sqlState: String?) {
        self.statementIndex = statementIndex
        self.tag = tag
        self.rows = rows
        self.durationNanos = durationNanos
        self.error = error
        self.sqlState = sqlState
    }

    public var success: Bool { error == nil }
}

/// Where a session's events go. `record` returns once the events are durable: the proxy forwards
/// a statement only after the call that holds its event has returned.
public protocol SessionEventSink: Sendable {
    func record(_ events: [SessionEvent], of session: SessionInfo) async throws
    /// The callback form the relay uses (no Task per statement): `completion` gets nil once the
    /// events are durable, or the error; it may run on any thread and must only hand over.
    func record(_ events: [SessionEvent], of session: SessionInfo,
                completion: @escaping @Sendable ((any Error)?) -> Void)
    /// Set when the sink can commit on an event loop's own thread: sessions then commit once per
    /// loop tick through these instead of calling `record`.
    var tickCommitters: TickCommitters? { get }
    /// The session's auditor is gone: nothing more will be recorded for it.
    func sessionFinished(_ sessionID: String)
    /// New statements are to be refused (see `AuditSink.budgetExceeded`).
    var budgetExceeded: String? { get }
}

extension SessionEventSink {
    public var tickCommitters: TickCommitters? { nil }
    public func sessionFinished(_ sessionID: String) {}
    public var budgetExceeded: String? { nil }

    public func record(_ events: [SessionEvent], of session: SessionInfo,
                       completion: @escaping @Sendable ((any Error)?) -> Void) {
        Task {
            do {
                try await record(events, of: session)
                completion(nil)
            } catch {
                completion(error)
            }
        }
    }
}

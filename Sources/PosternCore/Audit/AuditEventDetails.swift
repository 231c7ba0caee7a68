/// Teleport's Status: whether the operation succeeded, the system error, and a message for the user.
public struct AuditStatus: Sendable, Hashable {
    public var success: Bool
    public var error: String
    public var message: String

    public init(success: Bool, error: String = "", message: String = "") {
        self.success = success
        self.error = error
        self.message = message
    }

    public static let ok = AuditStatus(success: true)

    public static func failed(_ error: String, message: String = "") -> AuditStatus {
        AuditStatus(success: false, error: error, message: message)
    }
}

/// What differs between event kinds; the common fields live on `AuditEvent`.
public enum AuditEventDetails: Sendable, Hashable {
    /// `db.session.start`: TDB00I, or TDB00W when `status.success` is false (denied, upstream refused…).
    case sessionStart(SessionStart)
    /// `db.session.end`: TDB01I.
    case sessionEnd(SessionEnd)
    /// `db.session.query` (TDB02I), or `db.session.query.failed` (TDB02W) when `status.success` is false.
    case query(Query)
    case postgresParse(PostgresParse)
    case postgresBind(PostgresBind)
    case postgresExecute(PostgresExecute)
    case postgresClose(PostgresClose)
    case postgresFunction(PostgresFunction)
    case malformedPacket(MalformedPacket)
    /// Postern's `db.session.result` (TDB10I).
    case result(Result)

    public struct SessionStart: Sendable, Hashable {
        public var status: AuditStatus
        public var serverID: String
        public var serverHostname: String
        public var serverVersion: String
        public var localAddr: String
        public var remoteAddr: String
        public var userAgent: String
        /// The upstream PostgreSQL backend's pid (from BackendKeyData); 0 when unknown.
        public var postgresPID: UInt32
        /// Postern's: the StartupMessage parameters sent upstream beside user and database.
        public var startupParameters: [String: String]

        public init(status: AuditStatus = .ok, serverID: String = "", serverHostname: String = "",
                    serverVersion: String = "", localAddr: String = "", remoteAddr: String = "",
                    userAgent: String = "", postgresPID: UInt32 = 0, startupParameters: [String: String] = [:]) {
            self.status = status
            self.serverID = serverID
            self.serverHostname = serverHostname
            self.serverVersion = serverVersion
            self.localAddr = localAddr
            self.remoteAddr = remoteAddr
            self.userAgent = userAgent
            self.postgresPID = postgresPID
            self.startupParameters = startupParameters
        }
    }

    public struct SessionEnd: Sendable, Hashable {
        public var sessionStart: AuditTime?
        public var sessionStop: AuditTime?
        public var localAddr: String
        public var remoteAddr: String
        public var participants: [String]
        /// Why Postern ended the session (access revoked, `client_idle_timeout`, `max_session_ttl`);
        /// empty when the client or the server ended it.
        public var reason: String

        public init(sessionStart: AuditTime? = nil, sessionStop: AuditTime? = nil, localAddr: String = "",
                    remoteAddr: String = "", participants: [String] = [], reason: String = "") {
            self.sessionStart = sessionStart
            self.sessionStop = sessionStop
            self.localAddr = localAddr
            self.remoteAddr = remoteAddr
            self.participants = participants
            self.reason = reason
        }
    }

    public struct Query: Sendable, Hashable {
        /// `db_query`: redact with `AuditRedaction` before recording.
        public var query: String
        public var parameters: [String]
        public var status: AuditStatus

        public init(query: String, parameters: [String] = [], status: AuditStatus = .ok) {
            self.query = query
            self.parameters = parameters
            self.status = status
        }
    }

    public struct PostgresParse: Sendable, Hashable {
        public var statementName: String
        public var query: String

        public init(statementName: String, query: String) {
            self.statementName = statementName
            self.query = query
        }
    }

    public struct PostgresBind: Sendable, Hashable {
        public var statementName: String
        public var portalName: String
        /// Text parameters as sent; binary ones base64.
        public var parameters: [String]

        public init(statementName: String, portalName: String, parameters: [String]) {
            self.statementName = statementName
            self.portalName = portalName
            self.parameters = parameters
        }
    }

    public struct PostgresExecute: Sendable, Hashable {
        public var portalName: String

        public init(portalName: String) { self.portalName = portalName }
    }

    public struct PostgresClose: Sendable, Hashable {
        public var statementName: String
        public var portalName: String

        public init(statementName: String, portalName: String) {
            self.statementName = statementName
            self.portalName = portalName
        }
    }

    public struct PostgresFunction: Sendable, Hashable {
        public var functionOID: UInt32
        public var functionArgs: [String]

        public init(functionOID: UInt32, functionArgs: [String] = []) {
            self.functionOID = functionOID
            self.functionArgs = functionArgs
        }
    }

    public struct MalformedPacket: Sendable, Hashable {
        /// The offending message's bytes (JSON: base64, as Go encodes `[]byte`).
        public var payload: [UInt8]

        public init(payload: [UInt8]) { self.payload = payload }
    }

    public struct Result: Sendable, Hashable {
        /// `query_uid`: the `uid` of the query, execute or function event this result answers.
        public var queryID: String
        public var status: AuditStatus
        /// SQLSTATE of the ErrorResponse, when the statement failed.
        public var sqlState: String
        /// Rows affected or returned, from CommandComplete's tag; nil when the tag carries none.
        public var affectedRecords: UInt64?
        /// From the statement's first byte forwarded upstream to its completion, in microseconds
        /// (JSON: `duration_ms`, a decimal of milliseconds).
        public var durationMicroseconds: Int64
        /// CommandComplete's tag, e.g. `INSERT 0 5`.
        public var commandTag: String

        public init(queryID: String, status: AuditStatus = .ok, sqlState: String = "", affectedRecords: UInt64? = nil,
                    durationMicroseconds: Int64, commandTag: String = "") {
            self.queryID = queryID
            self.status = status
            self.sqlState = sqlState
            self.affectedRecords = affectedRecords
            self.durationMicroseconds = durationMicroseconds
            self.commandTag = commandTag
        }
    }

    /// The event after which a session writes nothing more: its end, or a refused start.
    package var endsSession: Bool {
        switch self {
        case .sessionEnd: true
        case .sessionStart(let start): !start.status.success
        default: false
        }
    }

    public var type: AuditEventType {
        switch self {
        case .sessionStart: .sessionStart
        case .sessionEnd: .sessionEnd
        case .query(let q): q.status.success ? .query : .queryFailed
        case .postgresParse: .postgresParse
        case .postgresBind: .postgresBind
        case .postgresExecute: .postgresExecute
        case .postgresClose: .postgresClose
        case .postgresFunction: .postgresFunction
        case .malformedPacket: .malformedPacket
        case .result: .result
        }
    }

    public var code: String {
        switch self {
        case .sessionStart(let s): s.status.success ? AuditCode.sessionStart : AuditCode.sessionStartFailure
        case .sessionEnd: AuditCode.sessionEnd
        case .query(let q): q.status.success ? AuditCode.query : AuditCode.queryFailed
        case .postgresParse: AuditCode.postgresParse
        case .postgresBind: AuditCode.postgresBind
        case .postgresExecute: AuditCode.postgresExecute
        case .postgresClose: AuditCode.postgresClose
        case .postgresFunction: AuditCode.postgresFunction
        case .malformedPacket: AuditCode.malformedPacket
        case .result: AuditCode.result
        }
    }

    /// The Status block, for the kinds whose Teleport message embeds one.
    public var status: AuditStatus? {
        switch self {
        case .sessionStart(let s): s.status
        case .query(let q): q.status
        case .result(let r): r.status
        default: nil
        }
    }
}

/// Every JSON key of an audit event, spelled as Teleport's `events.proto` json tags spell them
/// (embedded Metadata, UserMetadata, SessionMetadata, DatabaseMetadata, Status, ServerMetadata and
/// ConnectionMetadata flatten into one object). Postern's own keys are marked.
public enum AuditKey: String, CodingKey, Sendable, CaseIterable {
    // Metadata
    case index = "ei", type = "event", id = "uid", code, time, clusterName = "cluster_name"
    // UserMetadata, SessionMetadata
    case user, sessionID = "sid", login
    // Postern's: the operator's uid and SSH client address in bastion mode (AuditOrigin)
    case osUID = "os_uid", clientAddr = "client_addr", clientAddrSource = "client_addr_source"
    // Status
    case success, error, message
    // DatabaseMetadata
    case dbService = "db_service", dbProtocol = "db_protocol", dbURI = "db_uri", dbName = "db_name"
    case dbUser = "db_user", dbLabels = "db_labels", dbAWSRegion = "db_aws_region"
    case dbAWSRedshiftClusterID = "db_aws_redshift_cluster_id", dbRoles = "db_roles", dbType = "db_type"
    case dbOrigin = "db_origin"
    // ServerMetadata, ConnectionMetadata, ClientMetadata
    case serverID = "server_id", serverHostname = "server_hostname", serverVersion = "server_version"
    case localAddr = "addr.local", remoteAddr = "addr.remote", userAgent = "user_agent"
    // DatabaseSessionStart, DatabaseSessionEnd
    case postgresPID = "postgres_pid", sessionStart = "session_start", sessionStop = "session_stop"
    case participants
    /// Postern's: why a session was ended by Postern (access revoked, idle, TTL), on db.session.end.
    case reason
    // Postern's: the StartupMessage parameters forwarded upstream (db.session.start)
    case startupParameters = "startup_parameters"
    // DatabaseSessionQuery
    case dbQuery = "db_query", dbQueryParameters = "db_query_parameters"
    // PostgresParse, PostgresBind, PostgresExecute, PostgresClose, PostgresFunctionCall
    case statementName = "statement_name", portalName = "portal_name", query, parameters
    case functionOID = "function_oid", functionArgs = "function_args"
    // DatabaseSessionMalformedPacket
    case payload
    // DatabaseSessionCommandResult's `affected_records`; the rest are Postern's (db.session.result)
    case affectedRecords = "affected_records", queryID = "query_uid", sqlState = "sqlstate"
    case durationMs = "duration_ms", commandTag = "command_tag"
}

typealias AuditDecoding = KeyedDecodingContainer<AuditKey>

/// Where an event's fields are written: a Codable container, or the fast `AuditJSONWriter`. The
/// fields of every kind are listed once, against this protocol.
protocol AuditFieldWriter {
    mutating func put(_ v: String, _ key: AuditKey) throws
    mutating func put(_ v: Int64, _ key: AuditKey) throws
    mutating func put(_ v: UInt64, _ key: AuditKey) throws
    mutating func put(_ v: Bool, _ key: AuditKey) throws
    /// Milliseconds from whole microseconds: exact, and printed as the shortest decimal.
    mutating func put(milliseconds us: Int64, _ key: AuditKey) throws
    mutating func put(_ v: [String], _ key: AuditKey) throws
    mutating func put(_ v: [String: String], _ key: AuditKey) throws
    mutating func put(_ v: AuditTime, _ key: AuditKey) throws
}

/// Go's `omitempty`: empty strings, lists and maps, zero numbers and nil are left out.
extension AuditFieldWriter {

    mutating func putNonEmpty(_ v: String, _ key: AuditKey) throws {
        if !v.isEmpty { try put(v, key) }
    }

    mutating func putNonEmpty(_ v: [String], _ key: AuditKey) throws {
        if !v.isEmpty { try put(v, key) }
    }

    mutating func putNonEmpty(_ v: [String: String], _ key: AuditKey) throws {
        if !v.isEmpty { try put(v, key) }
    }
}

extension KeyedEncodingContainer: AuditFieldWriter where K == AuditKey {
    mutating func put(_ v: String, _ key: AuditKey) throws { try encode(v, forKey: key) }
    mutating func put(_ v: Int64, _ key: AuditKey) throws { try encode(v, forKey: key) }
    mutating func put(_ v: UInt64, _ key: AuditKey) throws { try encode(v, forKey: key) }
    mutating func put(_ v: Bool, _ key: AuditKey) throws { try encode(v, forKey: key) }
    mutating func put(milliseconds us: Int64, _ key: AuditKey) throws { try encode(Double(us) / 1000, forKey: key) }
    mutating func put(_ v: [String], _ key: AuditKey) throws { try encode(v, forKey: key) }
    mutating func put(_ v: [String: String], _ key: AuditKey) throws { try encode(v, forKey: key) }
    mutating func put(_ v: AuditTime, _ key: AuditKey) throws { try encode(v.rfc3339, forKey: key) }
}

extension KeyedDecodingContainer where K == AuditKey {
    func string(_ key: AuditKey) throws -> String { try decodeIfPresent(String.self, forKey: key) ?? "" }
    func strings(_ key: AuditKey) throws -> [String] { try decodeIfPresent([String].self, forKey: key) ?? [] }
}

/// The `event` of each audit event Postern records, as Teleport names it (lib/events/api.go), plus
/// Postern's `db.session.result`.
public enum AuditEventType: String, Sendable, Hashable, CaseIterable, Codable {
    case sessionStart = "db.session.start"
    case sessionEnd = "db.session.end"
    case query = "db.session.query"
    /// A query that could not be sent upstream (Teleport's TDB02W).
    case queryFailed = "db.session.query.failed"
    case postgresParse = "db.session.postgres.statements.parse"
    case postgresBind = "db.session.postgres.statements.bind"
    case postgresExecute = "db.session.postgres.statements.execute"
    case postgresClose = "db.session.postgres.statements.close"
    case postgresFunction = "db.session.postgres.function"
    case malformedPacket = "db.session.malformed_packet"
    /// Postern's: the outcome of a statement, linked to its query event by `query_uid`.
    case result = "db.session.result"
}

/// Teleport's event codes (lib/events/codes.go); TDB10I is Postern's.
public enum AuditCode {
    public static let sessionStart = "TDB00I"
    public static let sessionStartFailure = "TDB00W"
    public static let sessionEnd = "TDB01I"
    public static let query = "TDB02I"
    public static let queryFailed = "TDB02W"
    public static let malformedPacket = "TDB06I"
    public static let postgresParse = "TPG00I"
    public static let postgresBind = "TPG01I"
    public static let postgresExecute = "TPG02I"
    public static let postgresClose = "TPG03I"
    public static let postgresFunction = "TPG04I"
    public static let result = "TDB10I"
}

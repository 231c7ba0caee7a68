/// Both ends of a PostgreSQL session.
typealias PGSessionHandler = RelayHandler<PGSession>

extension PGSession: AuditedRelay {}

/// Both ends of a Redis session.
typealias RedisSessionHandler = RelayHandler<RedisSession>

extension RedisSession: AuditedRelay {}

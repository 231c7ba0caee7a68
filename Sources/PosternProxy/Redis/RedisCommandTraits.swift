/// What the relay and the audit need to know of a Redis command, kept in one table (as iredis
/// keeps its command data) and looked up once per command, by its lower-cased name.
struct RedisCommandTraits: Sendable {
    /// How the relay handles the command, before the server sees it.
    enum Handling: Sendable {
        case forward
        /// MULTI: a transaction starts (a denied command queued in it spoils its EXEC).
        case beginsTransaction
        /// EXEC: the transaction is over; one a denied command spoiled is sent up as DISCARD.
        case exec
        /// DISCARD, RESET: the transaction, if any, is over.
        case endsTransaction
        /// AUTH: answered by Postern, which signs in upstream itself (as Teleport does).
        case answeredLocally
        /// HELLO: forwarded without its AUTH clause.
        case hello
    }

    /// How the server answers it.
    enum Answer: Sendable {
        case reply
        /// One confirmation per channel named (at least one).
        case subscription
        case monitor
        case reset
        case hello
        /// CLIENT: REPLY OFF / SKIP / ON change what the server answers from then on.
        case client
    }

    var handling = Handling.forward
    var answer = Answer.reply
    /// Where a write command carries values, masked with `audit.redis_values: redacted`: the
    /// first value's argument position and the stride between values (0: every argument from there).
    var values: (first: Int, stride: Int)?

    static let plain = RedisCommandTraits()

    static func of(_ name: String) -> RedisCommandTraits { table[name] ?? plain }

    static let table: [String: RedisCommandTraits] = {
        var t: [String: RedisCommandTraits] = [
            "multi": .init(handling: .beginsTransaction),
            "exec": .init(handling: .exec),
            "discard": .init(handling: .endsTransaction),
            "reset": .init(handling: .endsTransaction, answer: .reset),
            "auth": .init(handling: .answeredLocally),
            "hello": .init(handling: .hello, answer: .hello),
            "monitor": .init(answer: .monitor),
            "client": .init(answer: .client),
        ]
        for name in ["subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe"] {
            t[name] = .init(answer: .subscription)
        }
        let values: [String: (Int, Int)] = [
            "set": (2, 0), "setnx": (2, 0), "getset": (2, 0), "append": (2, 0), "setex": (3, 0), "psetex": (3, 0),
            "setrange": (3, 0), "mset": (2, 2), "msetnx": (2, 2), "hset": (3, 2), "hmset": (3, 2), "hsetnx": (3, 0),
            "lpush": (2, 0), "rpush": (2, 0), "lpushx": (2, 0), "rpushx": (2, 0), "lset": (3, 0), "linsert": (4, 0),
            "sadd": (2, 0), "zadd": (2, 0), "publish": (2, 0), "spublish": (2, 0), "xadd": (2, 0), "pfadd": (2, 0),
            "geoadd": (2, 0), "restore": (3, 0), "json.set": (3, 0),
        ]
        for (name, at) in values { t[name, default: plain].values = (at.0, at.1) }
        return t
    }()
}

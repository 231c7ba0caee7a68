import NIOCore
import PosternCore

/// Matches the server's replies to the commands sent, in order, to record each command's
/// outcome. Pub/sub messages, RESP3 pushes and MONITOR output are out-of-band: they are
/// relayed but answer no command. Commands Postern answers itself (AUTH, denied commands) sit in
/// the same queue, so their replies reach the client in pipeline order.
struct RedisReplyLedger {
    enum Kind {
        case reply
        /// SUBSCRIBE-family: one confirmation per channel (RESP2 arrays, RESP3 pushes).
        case subscription(remaining: Int)
        case monitor
        case reset
        case hello(version: Int?)
        /// Answered by Postern: the bytes to write when every earlier command has its reply.
        case local(ByteBuffer, type: RESPType, error: String?)
        /// EXEC of a transaction a denied command spoiled, sent up as DISCARD: the client gets what
        /// Redis would have answered its EXEC (see `spoiledExecAnswer`), never DISCARD's reply.
        case spoiledExec
        /// CLIENT REPLY OFF / SKIP: the server sends nothing back.
        case none
    }

    struct Entry {
        var statement: Int
        var kind: Kind
        var sentAt: UInt64
        /// The command's audit text had a secret masked: so has the error text of its result.
        var secret = false
    }

    private(set) var entries = CircularBuffer<Entry>()
    private(set) var resp3 = false
    private(set) var subscribed = false
    private(set) var monitoring = false

    static let messageHeads: Set<String> = ["message", "pmessage", "smessage"]
    static let subscriptionHeads: Set<String> = [
        "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
    ]

    var isEmpty: Bool { entries.isEmpty }

    mutating func sent(_ entry: Entry) {
        if case .subscription = entry.kind { subscribed = true }
        entries.append(entry)
    }

    /// The local reply at the head, once every command before it was answered.
    mutating func popLocal(now: UInt64, into results: inout [StatementResult]) -> ByteBuffer? {
        guard var head = entries.first, case .local(let bytes, let type, let error) = head.kind else { return nil }
        entries.removeFirst()
        // Postern's own errors (a denial) quote no argument: they are kept whole.
        head.secret = false
        results.append(Self.result(head, type: type, error: error, now: now))
        return bytes
    }

    /// One whole message from the server; appends the result of the command it answers, if any.
    /// Returns the bytes the client gets instead when that command is a `.spoiledExec`.
    @discardableResult
    mutating func received(_ m: RESPScanner.Message, now: UInt64, into results: inout [StatementResult]) -> ByteBuffer? {
        if monitoring { return nil }
        let head = m.head
        if let head, m.type == .push || m.type == .array {
            let outOfBand = m.type == .push || (!resp3 && subscribed)
            if outOfBand, Self.subscriptionHeads.contains(head) {
                confirmSubscription(m, now: now, into: &results)
                return nil
            }
            if outOfBand, Self.messageHeads.contains(head) { return nil }
        }
        if m.type == .push { return nil }
        guard let entry = entries.popFirst() else { return nil }
        if case .spoiledExec = entry.kind {
            let error = Self.spoiledExecAnswer(discardError: m.errorText)
            results.append(Self.result(entry, type: .error, error: error, now: now))
            var bytes = ByteBuffer()
            bytes.writeRedisError(error)
            return bytes
        }
        results.append(Self.result(entry, type: m.type, error: m.errorText, now: now))
        guard m.errorText == nil else { return nil }
        switch entry.kind {
        case .monitor: monitoring = true
        case .reset: resp3 = false; subscribed = false
        case .hello(let version): if let version { resp3 = version == 3 }
        default: break
        }
        return nil
    }

    private mutating func confirmSubscription(_ m: RESPScanner.Message, now: UInt64, into results: inout [StatementResult]) {
        guard let first = entries.first, case .subscription(let remaining) = first.kind else { return }
        if remaining > 1 {
            entries[entries.startIndex].kind = .subscription(remaining: remaining - 1)
            return
        }
        entries.removeFirst()
        results.append(Self.result(first, type: m.type, error: nil, now: now))
    }

    /// Every command still waiting, as abandoned (the session ended first).
    mutating func abandon(now: UInt64, reason: String, into results: inout [StatementResult]) {
        while let entry = entries.popFirst() {
            results.append(StatementResult(statementIndex: entry.statement, tag: nil, rows: nil,
                                           durationNanos: Int64(now &- entry.sentAt), error: reason, sqlState: nil))
        }
    }

    static let execAbort = "EXECABORT Transaction discarded because of previous errors."

    /// What Redis answers an EXEC after a queued command was refused: EXECABORT when DISCARD found
    /// the transaction. When it found none (the server had refused the MULTI), what EXEC itself would
    /// get: "EXEC without MULTI", or, for a refusal such as the ACL's NOPERM, Redis's EXECABORT that
    /// quotes it (naming exec).
    static func spoiledExecAnswer(discardError: String?) -> String {
        guard let refused = discardError else { return execAbort }
        if refused.hasPrefix("ERR DISCARD without MULTI") { return "ERR EXEC without MULTI" }
        return "EXECABORT Transaction discarded because of: " + refused.replacingOccurrences(of: "'discard'", with: "'exec'")
    }

    static func result(_ entry: Entry, type: RESPType, error: String?, now: UInt64) -> StatementResult {
        StatementResult(statementIndex: entry.statement, tag: type.name, rows: nil,
                        durationNanos: Int64(now >= entry.sentAt ? now - entry.sentAt : 0),
                        error: entry.secret ? error.map(AuditRedaction.redisError) : error, sqlState: nil)
    }
}

extension RedisReplyLedger {
    /// True when Postern's own reply is next.
    var hasLocalHead: Bool {
        guard let head = entries.first, case .local = head.kind else { return false }
        return true
    }

    /// True when the next reply from the server is one the client must not see.
    var hasReplacedHead: Bool {
        guard let head = entries.first, case .spoiledExec = head.kind else { return false }
        return true
    }
}

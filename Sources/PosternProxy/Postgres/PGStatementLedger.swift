import NIOCore

/// The statements forwarded and not yet finished, in order, so each server reply is matched to
/// the Query / Execute / FunctionCall it answers and its outcome recorded.
struct PGStatementLedger {
    enum Kind { case simple, execute, function }

    private enum Entry {
        case statement(index: Int, kind: Kind, start: UInt64)
        /// Parse, Bind, Close and Describe messages in a row: their replies, counted off as they
        /// come (queued when sent: a Flush, or a full server buffer, brings them before anything
        /// after them is sent). An error of theirs is not a Query's or FunctionCall's that follows.
        case replies(Int)
        case sync
        /// CopyDone or CopyFail: where a COPY FROM STDIN ends, as far as the client's Syncs go.
        case copyEnd
    }

    private var queue = CircularBuffer<Entry>(initialCapacity: 16)
    private var repliesQueued = 0
    /// The server is in COPY FROM STDIN and the client has not ended it yet: the server ignores
    /// the Syncs it sends meanwhile (libpq sends one after Execute and one after CopyDone).
    private var ignoringSyncs = false
    /// An extended-protocol message failed: the server skips every message up to the next Sync
    /// (Queries and FunctionCalls too), so the next ReadyForQuery is that Sync's.
    private var skipping = false
    // The simple query at the head: several statements may complete before its ReadyForQuery.
    private var rows: Int?
    private var tag: String?
    private var error: PGErrorFields?

    var isEmpty: Bool { queue.isEmpty }

    /// Whether the backend tracker must report ParseComplete, BindComplete, CloseComplete,
    /// RowDescription and NoData (only while a `.replies` entry waits for them).
    var awaitsReplies: Bool { repliesQueued > 0 }

    mutating func sent(statement index: Int, kind: Kind, at start: UInt64) {
        queue.append(.statement(index: index, kind: kind, start: start))
    }

    /// A Parse, Bind, Close or Describe: no result of its own.
    mutating func sentUntracked() {
        if case .replies(let n)? = queue.last {
            queue[queue.index(before: queue.endIndex)] = .replies(n + 1)
        } else {
            queue.append(.replies(1))
            repliesQueued += 1
        }
    }

    mutating func sentSync() {
        if !ignoringSyncs { queue.append(.sync) }
    }

    mutating func sentCopyEnd() {
        if ignoringSyncs {
            ignoringSyncs = false
        } else {
            queue.append(.copyEnd)
        }
    }

    /// Feeds one tracked server message; returns the results it finishes (usually none or one).
    mutating func received(_ type: UInt8, body: ByteBuffer, now: UInt64, into results: inout [StatementResult]) {
        switch type {
        case UInt8(ascii: "C"), UInt8(ascii: "I"), UInt8(ascii: "s"):
            let parsed: (tag: String?, rows: Int?) = type == UInt8(ascii: "C") ? Self.parseTag(body) : (nil, nil)
            guard case .statement(let index, let kind, let start)? = queue.first else { return }
            switch kind {
            case .simple:
                if let n = parsed.rows { rows = (rows ?? 0) + n }
                if let t = parsed.tag { tag = t }
            case .execute:
                queue.removeFirst()
                results.append(StatementResult(statementIndex: index, tag: parsed.tag, rows: parsed.rows,
                                               durationNanos: Int64(now &- start), error: nil, sqlState: nil))
            case .function:
                return
            }
        case UInt8(ascii: "E"):
            let fields = PGErrorFields(body: body)
            if case .replies? = queue.first {
                // One of those messages failed: the rest of them get no reply. An Execute right
                // after them takes the error as its own (its statement failed); a Query or
                // FunctionCall is skipped with the rest of the batch.
                queue.removeFirst()
                repliesQueued -= 1
                if case .statement(_, .execute, _)? = queue.first {} else {
                    skipping = true
                    return
                }
            }
            if case .statement(let index, let kind, let start)? = queue.first {
                switch kind {
                case .simple, .function:
                    // Its own error: the server answers ReadyForQuery and skips nothing.
                    error = fields
                    return
                case .execute:
                    queue.removeFirst()
                    results.append(StatementResult(statementIndex: index, tag: nil, rows: nil,
                                                   durationNanos: Int64(now &- start),
                                                   error: fields.message ?? "error", sqlState: fields.code))
                }
            }
            skipping = true
        case UInt8(ascii: "Z"):
            finishBatch(now: now, into: &results)
        case UInt8(ascii: "G"):
            copyInStarted()
        case UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "T"), UInt8(ascii: "n"):
            // A Describe answers RowDescription or NoData (a statement's, ParameterDescription first).
            guard case .replies(let n)? = queue.first else { return }
            if n > 1 {
                queue[queue.startIndex] = .replies(n - 1)
            } else {
                queue.removeFirst()
                repliesQueued -= 1
            }
        default:
            return
        }
    }

    /// CopyInResponse: the Syncs the client sent from here to the end of the COPY are ignored by
    /// the server, so they answer nothing; the ones sent before it was ended go now, and if it
    /// has not been ended yet the ones still to come are dropped when sent.
    private mutating func copyInStarted() {
        guard case .statement? = queue.first else { return }
        var kept = CircularBuffer<Entry>(initialCapacity: queue.count)
        var ended = false
        for (i, entry) in queue.enumerated() {
            switch entry {
            case .sync where i > 0 && !ended: continue
            case .copyEnd where !ended: ended = true
            default: kept.append(entry)
            }
        }
        queue = kept
        ignoringSyncs = !ended
    }

    /// ReadyForQuery ends a simple query, a function call, or an extended batch up to its Sync:
    /// Executes still pending there, and after a failed extended message every statement up to the
    /// Sync, were skipped by the server.
    private mutating func finishBatch(now: UInt64, into results: inout [StatementResult]) {
        let skipped = skipping
        skipping = false
        while let entry = queue.popFirst() {
            switch entry {
            case .sync:
                return
            case .copyEnd:
                continue
            case .replies:
                repliesQueued -= 1
            case .statement(let index, let kind, let start) where kind == .execute || skipped:
                results.append(StatementResult(statementIndex: index, tag: nil, rows: nil,
                                               durationNanos: Int64(now &- start),
                                               error: "not executed: an earlier message of the batch failed",
                                               sqlState: nil))
            case .statement(let index, _, let start):
                results.append(StatementResult(statementIndex: index, tag: tag, rows: error == nil ? rows : nil,
                                               durationNanos: Int64(now &- start),
                                               error: error.map { $0.message ?? "error" }, sqlState: error?.code))
                rows = nil
                tag = nil
                error = nil
                return
            }
        }
    }

    /// Statements still open when the session ends.
    mutating func abandon(now: UInt64, reason: String, into results: inout [StatementResult]) {
        repliesQueued = 0
        ignoringSyncs = false
        while let entry = queue.popFirst() {
            if case .statement(let index, _, let start) = entry {
                results.append(StatementResult(statementIndex: index, tag: nil, rows: nil,
                                               durationNanos: Int64(now &- start), error: reason, sqlState: nil))
            }
        }
    }

    /// A CommandComplete tag, and its row count for the commands that report one.
    static func parseTag(_ body: ByteBuffer) -> (tag: String?, rows: Int?) {
        let bytes = body.readableBytesView
        let text = bytes.last == 0 ? bytes.dropLast() : bytes[...]
        let tag = String(decoding: text, as: UTF8.self)
        guard let firstSpace = text.firstIndex(of: UInt8(ascii: " ")),
              let lastSpace = text.lastIndex(of: UInt8(ascii: " "))
        else { return (tag, nil) }
        var count = 0
        var sawDigit = false
        for byte in text[text.index(after: lastSpace)...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return (tag, nil) }
            count = count &* 10 &+ Int(byte - UInt8(ascii: "0"))
            sawDigit = true
        }
        guard sawDigit, Self.countingVerbs.contains(where: { text[..<firstSpace].elementsEqual($0) }) else { return (tag, nil) }
        return (tag, count)
    }

    private static let countingVerbs: [[UInt8]] = ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "MOVE", "FETCH"]
        .map { Array($0.utf8) }
}

import NIOCore
import PosternCore

/// The relay: client commands framed, audited (one commit per read, however many commands it
/// held) and forwarded as the original bytes (inline commands as the arrays Postern split them
/// into); server bytes passed to the client as they arrive, with a side scan of reply boundaries
/// that records each command's outcome.
extension RedisSession {
    /// What the relay does with one command.
    enum Disposition {
        case forward
        /// Forwarded as these bytes instead (HELLO without its AUTH).
        case rewrite([UInt8])
        /// Answered by Postern with this line (AUTH, a denied command).
        case local(String)
        /// EXEC of a spoiled transaction: forwarded as DISCARD, the server's reply swapped.
        case spoiledExec
    }

    /// `-text\r\n`.
    static func errorReply(_ text: String) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeRedisError(text)
        return out
    }

    func processClient(_ buffer: ByteBuffer) {
        hold(buffer)
        guard var data = held else { return }
        held = nil
        // Slices are taken from the input as it came in (consumed bytes are not readable in `data`).
        let input = data
        var run: (start: Int, length: Int)?
        func endRun() {
            if let r = run, let slice = input.getSlice(at: r.start, length: r.length) { forward.append(slice) }
            run = nil
        }
        while data.readableBytes > 0 {
            let at = data.readerIndex
            let parsed: RESPCommandParser.Command?
            do {
                parsed = try data.withUnsafeReadableBytes { b throws(RESPError) in try commands.parse(b) }
            } catch {
                endRun()
                forward.removeAll()
                recordUnsent(batch.map(\.statement), reason: "the client sent a malformed command after it")
                batch.removeAll()
                return malformed(error.description, prefix: Array(data.readableBytesView.prefix(64)))
            }
            guard let command = parsed else { break }
            data.moveReaderIndex(forwardBy: command.length)
            guard command.count > 0 else {
                endRun()
                continue
            }
            let (argv, traits, classified) = data.withVeryUnsafeBytes { all in
                let input = UnsafeRawBufferPointer(rebasing: all[at..<(at + command.length)])
                let argv = Self.auditArguments(command, in: input)
                let traits = RedisCommandTraits.of(argv[0].lowercased())
                return (argv, traits, classify(command, argv: argv, traits: traits, in: input))
            }
            // Redis splits an inline line its own way (a vertical tab or form feed stays inside an
            // argument there): the server gets the arguments that were checked and audited.
            var disposition = classified
            if case .forward = classified, case .inline(let args) = command.arguments {
                disposition = .rewrite(RESPEncoder.command(args))
            }
            let audited = RedisAuditText.audited(argv, traits: traits, values: engine.values)
            let index = auditor.append(.query(audited.text))
            switch disposition {
            case .forward:
                if let r = run, r.start + r.length == at { run = (r.start, r.length + command.length) } else {
                    endRun()
                    run = (at, command.length)
                }
            case .rewrite(let bytes):
                endRun()
                forward.append(data.channelAllocatorLike(bytes))
            case .spoiledExec:
                endRun()
                forward.append(data.channelAllocatorLike(RESPEncoder.command(["DISCARD"])))
            case .local:
                endRun()
            }
            batch.append(RedisReplyLedger.Entry(statement: index, kind: replyKind(argv, traits, disposition), sentAt: 0,
                                                secret: audited.secret))
        }
        endRun()
        if data.readableBytes > 0 { held = data }
        guard !batch.isEmpty else { return }
        commitAudited()
    }

    /// The arguments as the audit log reads them (long ones cut).
    static func auditArguments(_ command: RESPCommandParser.Command, in input: UnsafeRawBufferPointer) -> [String] {
        switch command.arguments {
        case .ranges(let ranges): return ranges.map { RedisAuditText.argument(UnsafeRawBufferPointer(rebasing: input[$0])) }
        case .inline(let args): return args.map { $0.withUnsafeBytes { RedisAuditText.argument($0) } }
        }
    }

    private func classify(_ command: RESPCommandParser.Command, argv: [String], traits: RedisCommandTraits,
                          in input: UnsafeRawBufferPointer) -> Disposition {
        if let denied = gate.check(argv) {
            if inTransaction { transactionSpoiled = true }
            return .local(denied)
        }
        switch traits.handling {
        case .forward:
            return .forward
        case .beginsTransaction:
            inTransaction = true
            return .forward
        case .exec, .endsTransaction:
            let spoiled = traits.handling == .exec && inTransaction && transactionSpoiled
            inTransaction = false
            transactionSpoiled = false
            // DISCARD ends the server's transaction (and its WATCHes) as an aborted EXEC would.
            return spoiled ? .spoiledExec : .forward
        case .answeredLocally:
            // Postern signs in upstream itself; the client's AUTH is answered here, as Teleport does.
            return argv.count == 2 || argv.count == 3 ? .local("+OK") : .local("-ERR wrong number of arguments for 'auth' command")
        case .hello:
            guard let at = argv.firstIndex(where: { $0.lowercased() == "auth" }), at > 1, at + 2 < argv.count else {
                return .forward
            }
            var kept = (0..<command.count).map { command.argument($0, in: input) }
            kept.removeSubrange(at...(at + 2))
            return .rewrite(RESPEncoder.command(kept))
        }
    }

    /// How the server will answer, given CLIENT REPLY state; nil for no reply at all.
    private func replyKind(_ argv: [String], _ traits: RedisCommandTraits, _ disposition: Disposition) -> RedisReplyLedger.Kind {
        if case .local(let line) = disposition {
            guard line.hasPrefix("+") else {
                let error = String(line.drop { $0 == "-" })
                return .local(Self.errorReply(error), type: .error, error: error)
            }
            return .local(ByteBuffer(string: line + "\r\n"), type: .simpleString, error: nil)
        }
        if traits.answer == .client, argv.count >= 3, argv[1].lowercased() == "reply" {
            switch argv[2].lowercased() {
            case "off": repliesOff = true; return .none
            case "skip": skipNextReply = true; return .none
            case "on": repliesOff = false; return .reply
            default: break
            }
        }
        if repliesOff { return .none }
        if skipNextReply { skipNextReply = false; return .none }
        // After CLIENT REPLY OFF/SKIP the server answers nothing, so there is nothing to swap.
        if case .spoiledExec = disposition { return .spoiledExec }
        switch traits.answer {
        case .subscription: return .subscription(remaining: max(1, argv.count - 1))
        case .monitor: return .monitor
        case .reset: return .reset
        case .hello: return .hello(version: argv.count > 1 ? Int(argv[1]) : nil)
        case .reply, .client: return .reply
        }
    }

    func forwardAudited() {
        let now = ProxyClock.monotonicNanos()
        if let upstream, !forward.isEmpty {
            for slice in forward { upstream.write(NIOAny(slice), promise: nil) }
            upstreamNeedsFlush = true
        }
        forward.removeAll(keepingCapacity: true)
        for var entry in batch {
            entry.sentAt = now
            if case .none = entry.kind {
                results.append(StatementResult(statementIndex: entry.statement, tag: "no-reply", rows: nil,
                                               durationNanos: 0, error: nil, sqlState: nil))
            } else {
                ledger.sent(entry)
            }
        }
        batch.removeAll(keepingCapacity: true)
        writeLocalReplies(now: now)
        if !results.isEmpty { flushResults() }
    }

    func dropAudited() {
        forward.removeAll()
        batch.removeAll()
    }

    var auditFailureConsequence: String { "the command was not sent; the session ends" }

    func afterCommit() { endIfDrained() }

    /// Postern's own replies that are next in line.
    private func writeLocalReplies(now: UInt64) {
        guard let client else { return }
        while let bytes = ledger.popLocal(now: now, into: &results) {
            client.write(NIOAny(bytes), promise: nil)
            clientNeedsFlush = true
        }
        if clientNeedsFlush {
            clientNeedsFlush = false
            client.flush()
        }
    }

    func upstreamRead(_ buffer: ByteBuffer) {
        guard phase == .relay || phase == .closed, let client else { return }
        guard phase == .relay else { return client.write(NIOAny(buffer), promise: nil) }
        var written = 0
        var lastEnd = 0
        var now: UInt64 = 0
        do {
            try buffer.withUnsafeReadableBytes { bytes throws(RESPError) in
                try replies.scan(bytes) { end, message in
                    if now == 0 { now = ProxyClock.monotonicNanos() }
                    let start = lastEnd
                    lastEnd = end
                    if let substitute = ledger.received(message, now: now, into: &results) {
                        // The server's reply (with any start of it held back from the last read) is dropped.
                        withheld = nil
                        if start > written, let slice = buffer.getSlice(at: buffer.readerIndex + written, length: start - written) {
                            client.write(NIOAny(slice), promise: nil)
                        }
                        client.write(NIOAny(substitute), promise: nil)
                        written = end
                    } else if let held = withheld {
                        withheld = nil
                        client.write(NIOAny(held), promise: nil)
                    }
                    guard ledger.hasLocalHead else { return }
                    // Postern's reply goes right after the one before it.
                    if let slice = buffer.getSlice(at: buffer.readerIndex + written, length: end - written) {
                        client.write(NIOAny(slice), promise: nil)
                    }
                    written = end
                    while let local = ledger.popLocal(now: now, into: &results) { client.write(NIOAny(local), promise: nil) }
                }
            }
        } catch {
            client.write(NIOAny(buffer.getSlice(at: buffer.readerIndex + written, length: buffer.readableBytes - written)
                ?? ByteBuffer()), promise: nil)
            sendError("ERR the upstream server sent malformed RESP (\(error)); the session ends")
            return end(reason: "malformed reply from the server: \(error)")
        }
        // Bytes after the last whole message may begin the reply that is to be swapped: held back.
        let sendUpTo = ledger.hasReplacedHead ? lastEnd : buffer.readableBytes
        if written < sendUpTo, let rest = buffer.getSlice(at: buffer.readerIndex + written, length: sendUpTo - written) {
            client.write(NIOAny(rest), promise: nil)
        }
        if sendUpTo < buffer.readableBytes,
           var tail = buffer.getSlice(at: buffer.readerIndex + sendUpTo, length: buffer.readableBytes - sendUpTo) {
            if withheld == nil { withheld = tail } else { withheld?.writeBuffer(&tail) }
        }
        clientNeedsFlush = true
        if !results.isEmpty { flushResults() }
        if clientInputEnded, ledger.isEmpty {
            upstreamReadComplete()
            endIfDrained()
        }
    }
}

extension ByteBuffer {
    /// A buffer holding `bytes`, from this buffer's allocator family.
    func channelAllocatorLike(_ bytes: [UInt8]) -> ByteBuffer { ByteBufferAllocator().buffer(bytes: bytes) }
}

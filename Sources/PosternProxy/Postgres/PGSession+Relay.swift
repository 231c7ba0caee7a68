import NIOCore

/// The relay: client messages framed and audited before they go upstream; server bytes passed
/// to the client as they arrive, with a side parse that records each statement's outcome.
extension PGSession {
    func processClient(_ buffer: ByteBuffer) {
        var gate = false
        let auditor = self.auditor
        let outcome = framer.process(
            buffer, forward: &forward,
            onAudited: { type, body in
                guard let kind = PGFrontendMessage.event(type: type, body: body) else { return false }
                let index = auditor.append(kind)
                switch type {
                case PGFrontendMessage.query: sentOps.append(.statement(index, .simple))
                case PGFrontendMessage.execute: sentOps.append(.statement(index, .execute))
                case PGFrontendMessage.functionCall: sentOps.append(.statement(index, .function))
                default: sentOps.append(.untracked)
                }
                gate = true
                return true
            },
            onSync: { sentOps.append(.sync) }, onDescribe: { sentOps.append(.untracked) },
            onCopyEnd: { sentOps.append(.copyEnd) })
        switch outcome {
        case .more:
            break
        case .terminate:
            terminateAfterForward = true
        case .malformed(let reason, let prefix):
            forward.removeAll(keepingCapacity: true)
            let unsent = sentOps.compactMap { op -> Int? in if case .statement(let i, _) = op { i } else { nil } }
            sentOps.removeAll(keepingCapacity: true)
            recordUnsent(unsent, reason: "the client sent a malformed message after it")
            return malformed(reason, prefix: prefix)
        }
        if gate {
            commitAudited()
        } else {
            writeForward()
            if terminateAfterForward { clientTerminated() }
        }
    }

    func forwardAudited() {
        writeForward()
        if terminateAfterForward { clientTerminated() }
    }

    func dropAudited() {
        forward.removeAll(keepingCapacity: true)
        sentOps.removeAll(keepingCapacity: true)
    }

    var auditFailureConsequence: String { "the statement was not sent; the session ends" }

    /// After the client's Terminate nothing more it sent is read.
    var mayDrain: Bool { !terminateAfterForward }

    private func writeForward() {
        guard let upstream else { return }
        if !forward.isEmpty {
            for slice in forward { upstream.write(NIOAny(slice), promise: nil) }
            forward.removeAll(keepingCapacity: true)
            upstreamNeedsFlush = true
        }
        if !sentOps.isEmpty {
            let now = ProxyClock.monotonicNanos()
            for op in sentOps {
                switch op {
                case .statement(let index, let kind): ledger.sent(statement: index, kind: kind, at: now)
                case .untracked: ledger.sentUntracked()
                case .sync: ledger.sentSync()
                case .copyEnd: ledger.sentCopyEnd()
                }
            }
            sentOps.removeAll(keepingCapacity: true)
        }
    }

    /// Terminate from the client: everything before it has gone upstream; Terminate follows, then both close.
    private func clientTerminated() {
        upstreamNeedsFlush = false
        end(reason: "the client terminated the session")
    }

    func upstreamRead(_ buffer: ByteBuffer) {
        guard phase == .relay || phase == .closed, let client else { return }
        if phase == .relay {
            var now: UInt64 = 0
            tracker.scan(buffer, replies: ledger.awaitsReplies) { type, body in
                if now == 0 { now = ProxyClock.monotonicNanos() }
                ledger.received(type, body: body, now: now, into: &results)
            }
            if !results.isEmpty { flushResults() }
        }
        client.write(NIOAny(buffer), promise: nil)
        clientNeedsFlush = true
    }
}

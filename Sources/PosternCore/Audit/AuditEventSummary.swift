/// One-line, human-readable summaries of events for `audit search`, `audit tail` and the TUI pane.
/// Not sanitised: callers pass what they print through `TextSanitizer.escape`.
extension AuditEvent {
    public var summary: String {
        switch details {
        case .sessionStart(let s):
            let target = "\(database.user)@\(database.name.isEmpty ? database.service : database.name)"
            let from = s.remoteAddr.isEmpty ? "" : " from \(s.remoteAddr)"
            return s.status.success ? "session started as \(target)\(from)"
                                    : "session refused as \(target)\(from): \(s.status.error)"
        case .sessionEnd:
            return "session ended"
        case .query(let q):
            let params = q.parameters.isEmpty ? "" : " " + bracketed(q.parameters)
            return q.status.success ? q.query + params : "not sent (\(q.status.error)): \(q.query)\(params)"
        case .postgresParse(let p):
            return "parse \(name(p.statementName)): \(p.query)"
        case .postgresBind(let b):
            return "bind \(name(b.statementName)) to portal \(name(b.portalName)) \(bracketed(b.parameters))"
        case .postgresExecute(let e):
            return "execute portal \(name(e.portalName))"
        case .postgresClose(let c):
            return c.portalName.isEmpty ? "close statement \(name(c.statementName))" : "close portal \(name(c.portalName))"
        case .postgresFunction(let f):
            return "function \(f.functionOID)(\(f.functionArgs.joined(separator: ", ")))"
        case .malformedPacket(let m):
            return "malformed packet (\(m.payload.count) bytes)"
        case .result(let r):
            let ms = Double(r.durationMicroseconds) / 1000
            let took = ms < 10 ? String(Int((ms * 100).rounded())).withDecimals(2) : String(Int(ms.rounded()))
            if !r.status.success {
                return "error \(r.sqlState.isEmpty ? "" : r.sqlState + " ")\(r.status.error) (\(took) ms)"
            }
            let tag = r.commandTag.isEmpty ? "ok" : r.commandTag
            return "\(tag) (\(took) ms)"
        }
    }

    private func name(_ s: String) -> String { s.isEmpty ? "(unnamed)" : s }

    private func bracketed(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
}

private extension String {
    /// "1234" with 2 decimals → "12.34" (avoids Foundation's String(format:) on the TUI's hot path).
    func withDecimals(_ n: Int) -> String {
        let padded = count <= n ? String(repeating: "0", count: n - count + 1) + self : self
        return String(padded.dropLast(n)) + "." + String(padded.suffix(n))
    }
}

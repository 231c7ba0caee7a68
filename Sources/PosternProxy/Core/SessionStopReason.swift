import PosternCore

/// Why Postern ends a session the client did not end. Each engine tells its client in its own
/// protocol; every reason but a shutdown is recorded on the session's `db.session.end`.
public enum SessionStopReason: Sendable, Equatable {
    /// The proxy is stopping (Ctrl-C, SIGTERM, the console closing the session).
    case shutdown
    /// A config change took the user's access to this route away.
    case revoked(String)
    /// `client_idle_timeout`: no client statement for this long.
    case idle(Duration)
    /// `max_session_ttl`: the session has lasted this long.
    case ttl(Duration)

    /// What the client and the audit are told.
    public var message: String {
        switch self {
        case .shutdown: return "the Postern proxy is shutting down"
        case .revoked(let why): return "access revoked by a configuration change: \(why)"
        case .idle(let d): return "idle for \(DurationText.format(d)) (the role's client_idle_timeout)"
        case .ttl(let d): return "the session reached the role's max_session_ttl of \(DurationText.format(d))"
        }
    }

    /// The text on `db.session.end`; nil for a shutdown, whose end is recorded as it always was.
    var auditReason: String? {
        if case .shutdown = self { return nil }
        return message
    }

    /// The end event to record.
    var endEvent: SessionEvent.Kind {
        auditReason.map { .ended(reason: $0) } ?? .end
    }
}

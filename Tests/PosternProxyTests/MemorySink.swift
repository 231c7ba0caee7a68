import Foundation
import PosternProxy

/// Keeps the proxy's events in memory, in commit order, for field-by-field checks.
final class MemorySink: SessionEventSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [(SessionInfo, SessionEvent)] = []
    private var failing = false

    func record(_ events: [SessionEvent], of session: SessionInfo) async throws {
        try lock.withLock {
            if failing { throw MemorySinkFailure() }
            stored += events.map { (session, $0) }
        }
    }

    /// From now on every record fails (an audit store that is down).
    func failFromNow() { lock.withLock { failing = true } }

    var all: [(SessionInfo, SessionEvent)] { lock.withLock { stored } }

    func events(session id: String) -> [SessionEvent] { all.filter { $0.0.id == id }.map(\.1) }

    func sessions(dbUser: String? = nil) -> [SessionInfo] {
        var seen = Set<String>()
        var out: [SessionInfo] = []
        for (info, _) in all where dbUser == nil || info.route.dbUser == dbUser {
            if seen.insert(info.id).inserted { out.append(info) }
        }
        return out
    }

    /// Sessions that have recorded their end (or failed to start).
    func finishedSessions() -> [String] {
        all.compactMap { info, event in
            switch event.kind {
            case .end, .ended: return info.id
            case .start(let error?) where !error.isEmpty: return info.id
            default: return nil
            }
        }
    }
}

struct MemorySinkFailure: Error {}

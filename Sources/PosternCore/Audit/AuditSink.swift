/// Where audit events go. `record` returns only once the event is durably committed, so a proxy that
/// awaits it before forwarding a statement never forwards an unaudited one. Implementations batch
/// concurrent calls (group commit): the call is cheap to make thousands of times a second.
public protocol AuditSink: Sendable {
    /// Commits one event; throws when it could not be stored (the caller must then refuse the statement).
    func record(_ event: AuditEvent) async throws
    /// Commits several events in order, as one unit where the backend allows (Parse+Bind+Execute
    /// arriving in one packet cost one wait, not three).
    func record(contentsOf events: [AuditEvent]) async throws
    /// The callback form, for event-loop code that should not start a Task per statement: `completion`
    /// gets nil once the events are committed, or the error. It may run on the store's own thread, so
    /// it must only hand over (e.g. `eventLoop.execute { … }`), never block.
    func record(_ events: [AuditEvent], completion: @escaping @Sendable ((any Error)?) -> Void)
    /// The session will record nothing more (its writer is gone): per-session state, such as the
    /// tip of its hash chain, can go even if no end event was ever recorded.
    func sessionFinished(_ sessionID: String)
    /// Why new statements must be refused though the store could take them (the local backlog
    /// waiting for the shared store has reached `audit.disk_budget`), or nil. Read per commit.
    var budgetExceeded: String? { get }
}

/// A sink that can also commit on the calling thread. The proxy gathers the events of every session
/// on one event loop during a loop tick and commits them together this way: one commit per tick and
/// no hop to another thread and back, which is most of the cost of auditing a short statement.
public protocol ImmediateAuditSink: AuditSink {
    /// Commits the events in order before returning; throws when they could not be stored.
    func recordNow(_ events: [AuditEvent]) throws
    /// The same for runs their writers encoded.
    func recordNow(_ runs: [AuditEncodedRun]) throws
    /// Whether loop-tick commits beat the store's own writer thread. Not for a store whose commit
    /// holds one write lock for long (SQLite): two loops would take turns blocking on it, where the
    /// writer thread batches both loops' events into fewer, larger commits.
    var prefersCallerCommits: Bool { get }
}

extension ImmediateAuditSink {
    public var prefersCallerCommits: Bool { true }

    /// A store that keeps events rather than records takes the runs' events.
    public func recordNow(_ runs: [AuditEncodedRun]) throws { try recordNow(AuditEncodedRun.events(of: runs)) }
}

extension AuditSink {
    public var budgetExceeded: String? { nil }

    public func sessionFinished(_ sessionID: String) {}

    public func record(contentsOf events: [AuditEvent]) async throws {
        for event in events { try await record(event) }
    }

    public func record(_ events: [AuditEvent], completion: @escaping @Sendable ((any Error)?) -> Void) {
        Task {
            do {
                try await record(contentsOf: events)
                completion(nil)
            } catch {
                completion(error)
            }
        }
    }
}

/// Builds a session's events: common fields filled in, `ei` counting up from 0, a fresh `uid` and
/// the current time each. One per session, used from that session's connection only.
public struct AuditSessionEvents: Sendable {
    public let clusterName: String
    public let user: String
    public let sessionID: String
    public var database: AuditDatabase
    public private(set) var nextIndex: Int64

    public init(clusterName: String, user: String, sessionID: String = AuditEvent.newID(),
                database: AuditDatabase, firstIndex: Int64 = 0) {
        self.clusterName = clusterName
        self.user = user
        self.sessionID = sessionID
        self.database = database
        self.nextIndex = firstIndex
    }

    public mutating func make(_ details: AuditEventDetails, time: AuditTime = .now()) -> AuditEvent {
        defer { nextIndex += 1 }
        return AuditEvent(index: nextIndex, time: time, clusterName: clusterName, user: user,
                          sessionID: sessionID, database: database, details: details)
    }
}

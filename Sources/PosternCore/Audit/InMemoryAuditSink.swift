/// Keeps events in memory in arrival order, for tests of code that emits events. Nothing is durable:
/// never a substitute for a configured store.
public actor InMemoryAuditSink: AuditSink {
    public private(set) var events: [AuditEvent] = []

    public init() {}

    public func record(_ event: AuditEvent) async throws { events.append(event) }

    public func record(contentsOf events: [AuditEvent]) async throws { self.events += events }

    public func events(session sid: String) -> [AuditEvent] { events.filter { $0.sessionID == sid } }
}

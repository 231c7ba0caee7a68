/// An event with its JSON (the JSON-lines store's line, and the older journal lines tests write).
public struct EncodedAuditEvent: Sendable {
    public let event: AuditEvent
    public let json: String

    public init(_ event: AuditEvent) throws {
        self.event = event
        json = try event.jsonString()
    }
}

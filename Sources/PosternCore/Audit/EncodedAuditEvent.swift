/// An event with its JSON, encoded by whoever records it (on that thread), so a store's writer
/// only writes.
public struct EncodedAuditEvent: Sendable {
    public let event: AuditEvent
    public let json: String

    public init(_ event: AuditEvent) throws {
        self.event = event
        json = try event.jsonString()
    }

    /// An event read back with the JSON it was stored as (a journal being indexed).
    public init(event: AuditEvent, json: String) {
        self.event = event
        self.json = json
    }

    /// With the session's shared fields already written by `template` (they must be the event's).
    public init(_ event: AuditEvent, template: AuditEventTemplate) throws {
        assert(template.matches(event), "the template is another session's")
        self.event = event
        var w = AuditJSONWriter(capacity: 256, fields: 12)
        try event.writeOwnFields(into: &w)
        json = w.render(mergedWith: (template.seeded, template.seededOrder))
    }
}

/// A session's shared fields (cluster, user, sid, database metadata) written to JSON once, so each
/// of its events only writes its own: on a busy session that is most of the encoding saved.
public struct AuditEventTemplate: Sendable {
    let clusterName: String
    let user: String
    let sessionID: String
    let database: AuditDatabase
    let origin: AuditOrigin
    let seeded: AuditJSONWriter
    let seededOrder: [Int]

    public init(clusterName: String, user: String, sessionID: String, database: AuditDatabase,
                origin: AuditOrigin = .none) throws {
        self.clusterName = clusterName
        self.user = user
        self.sessionID = sessionID
        self.database = database
        self.origin = origin
        var w = AuditJSONWriter()
        try AuditEvent.writeSessionFields(clusterName: clusterName, user: user, sessionID: sessionID,
                                          database: database, origin: origin, into: &w)
        seeded = w
        seededOrder = w.sortedOrder()
    }

    func matches(_ event: AuditEvent) -> Bool {
        event.clusterName == clusterName && event.user == user && event.sessionID == sessionID
            && event.database == database && event.origin == origin
    }
}

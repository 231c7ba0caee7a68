import Foundation
import PosternCore

/// An event where the store put it. `position` orders events in the store (SQLite rowid, or the
/// JSON-lines byte offset after the line); `previous` is the position just before it, so a reader
/// whose cursor equals `previous` knows nothing was committed in between.
struct StoredAuditEvent: Sendable {
    let previous: Int64
    let position: Int64
    let event: AuditEvent
}

/// What each backend does; `append` is called from the writer thread only.
protocol AuditBackend: Sendable {
    /// Appends in order as one durable unit (one transaction, one write) and says where each went.
    func append(_ events: [AuditEvent]) throws -> [StoredAuditEvent]
    func search(_ query: AuditSearch) throws -> [AuditEvent]
    /// Every event of a session, in `ei` order.
    func session(_ sid: String) throws -> [AuditEvent]
    /// The same events as the JSON they were stored as (for output, without decoding each).
    func sessionJSON(_ sid: String) throws -> [String]
    /// Up to `limit` events stored after `cursor`, in store order.
    func events(after cursor: Int64, limit: Int) throws -> [StoredAuditEvent]
    /// The position of the last committed event (0 when empty).
    func lastPosition() throws -> Int64
    func close() throws
}

func decodeStored(_ json: String, at position: Int64) throws -> AuditEvent {
    do {
        return try AuditEvent.decode(json: Data(json.utf8))
    } catch {
        throw AuditStoreError.corrupt(position: position, reason: String(describing: error).prefix(200).description)
    }
}

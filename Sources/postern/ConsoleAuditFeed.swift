import PosternAudit
import PosternCore
import PosternTUI

/// The console's audit pane fed from the audit store: the newest `history` events first, then the
/// store's live subscription (events of every Postern process sharing the store).
struct StoreAuditFeed: AuditFeed {
    let store: AuditStore
    var history = 200

    func records() throws -> AsyncThrowingStream<AuditRecord, any Error> {
        // Subscribe before reading the history, so nothing committed in between is missed; what
        // both return is shown once.
        let subscription = try store.subscribe()
        let recent = try store.search(AuditSearch(limit: history))
        return AsyncThrowingStream { continuation in
            let task = Task {
                let seen = Set(recent.map(\.id))
                for e in recent { continuation.yield(AuditRecord(e)) }
                do {
                    for try await e in subscription where !seen.contains(e.id) { continuation.yield(AuditRecord(e)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

extension AuditRecord {
    init(_ e: AuditEvent) {
        let json = (try? e.jsonString()).map(AuditJSON.terminalSafe) ?? #"{"error":"this event could not be encoded"}"#
        self.init(time: e.time.rfc3339, type: e.type.rawValue, sessionID: e.sessionID, user: e.user,
                  database: e.database.service, summary: e.summary, failed: e.details.status?.success == false, json: json)
    }
}

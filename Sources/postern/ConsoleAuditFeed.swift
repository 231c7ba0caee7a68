import Foundation
import NIOConcurrencyHelpers
import PosternAudit
import PosternCore
import PosternService
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

/// The console's audit pane fed from the shared audit store (`audit.shared`): every bastion's
/// events, each summary led by its host. The newest `history` first, then what is shipped from
/// then on, followed on a thread of its own (libpq blocks).
struct SharedAuditFeed: AuditFeed {
    let access: SharedAuditAccess
    var history = 200

    func records() throws -> AsyncThrowingStream<AuditRecord, any Error> {
        let access = self.access
        let history = self.history
        return AuditRecord.fromThread { continuation, wanted in
            let spec = try access.blockingSpec()
            let follower = try SharedAuditReader(spec, applicationName: "postern-console-audit")
            var seen: Set<String> = []
            // History once the follower has set aside what was there: an event shipped in between
            // is in both, and shown once.
            try follower.follow(ready: {
                for e in try SharedAuditReader(spec, applicationName: "postern-console-audit").search(AuditSearch(limit: history)) {
                    seen.insert(e.event.id)
                    continuation.yield(AuditRecord(e.event, host: e.host))
                }
            }, keepGoing: wanted) { e in
                if !seen.contains(e.event.id) { continuation.yield(AuditRecord(e.event, host: e.host)) }
                return wanted()
            }
        }
    }
}

extension AuditRecord {
    /// Records made by blocking I/O (a socket, libpq) on a thread of its own, until `produce`
    /// returns or throws; `wanted` turns false once the pane has stopped listening.
    static func fromThread(_ produce: @escaping @Sendable (AsyncThrowingStream<AuditRecord, any Error>.Continuation,
                                                          _ wanted: @escaping @Sendable () -> Bool) throws -> Void)
        -> AsyncThrowingStream<AuditRecord, any Error>
    {
        AsyncThrowingStream { continuation in
            let stopped = NIOLockedValueBox(false)
            let thread = Thread {
                do {
                    try produce(continuation) { !stopped.withLockedValue { $0 } }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in stopped.withLockedValue { $0 = true } }
            thread.start()
        }
    }

    /// `host`: the bastion the event came from, when read from a shared store (it leads the summary).
    init(_ e: AuditEvent, host: String? = nil) {
        let json = (try? e.jsonString()).map(AuditJSON.terminalSafe) ?? #"{"error":"this event could not be encoded"}"#
        let summary = host.map { "[\($0)] " + e.summary } ?? e.summary
        self.init(time: e.time.rfc3339, type: e.type.rawValue, sessionID: e.sessionID, user: e.user,
                  database: e.database.service, summary: summary, failed: e.details.status?.success == false, json: json)
    }
}

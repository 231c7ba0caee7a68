import Foundation
import GRDB
import PosternCore

/// What `postern audit status` prints: the local backlog (from the store) and what the process
/// shipping it last said (from `<store>.ship.status`, which the shipper rewrites as it goes).
public struct ShippingReport: Codable, Sendable, Equatable {
    /// Events indexed locally and not yet in the shared store.
    public var backlogEvents: Int64
    /// The oldest of them (RFC 3339), if any.
    public var backlogSince: String?
    /// The shipping process's note, if one has run.
    public var shipper: ShipperNote?

    public struct ShipperNote: Codable, Sendable, Equatable {
        public var host: String
        public var pid: Int32
        /// When it last wrote this (RFC 3339).
        public var updated: String
        /// Why shipping is failing, while it is.
        public var lastError: String?
        /// When a batch last reached the shared store (RFC 3339).
        public var lastShipped: String?

        enum CodingKeys: String, CodingKey {
            case host, pid, updated
            case lastError = "last_error"
            case lastShipped = "last_shipped"
        }
    }

    enum CodingKeys: String, CodingKey {
        case backlogEvents = "backlog_events"
        case backlogSince = "backlog_since"
        case shipper
    }

    public var text: String {
        var out = backlogEvents == 0 ? "shipped: nothing waits" : "audit shipping behind: \(backlogEvents) events, since \(backlogSince ?? "?")"
        if let s = shipper {
            out += "\nshipper: \(s.host) pid \(s.pid), last note \(s.updated)"
            if let shipped = s.lastShipped { out += ", last batch \(shipped)" }
            if let error = s.lastError { out += "\nfailing: \(error)" }
        } else {
            out += "\nshipper: none has run for this store"
        }
        return out
    }

    static func statusPath(_ storePath: String) -> String { storePath + ".ship.status" }

    /// The bytes of the chunks past the cursor (what `audit.disk_budget` bounds).
    static func backlogBytes(_ backend: SQLiteAuditBackend) throws -> Int64 {
        try backend.pool.read { db -> Int64 in
            let cursor = try db.tableExists("audit_shipping")
                ? "COALESCE((SELECT chunk FROM audit_shipping WHERE id = 1), 0)" : "0"
            return try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(length(lines)), 0) FROM audit_chunks WHERE id > \(cursor)") ?? 0
        }
    }

    /// The backlog: chunks past the cursor (all of them before a shipper ever ran).
    static func backlog(_ backend: SQLiteAuditBackend) throws -> (events: Int64, since: AuditTime?) {
        let row = try backend.pool.read { db -> Row? in
            let cursor = try db.tableExists("audit_shipping")
                ? "COALESCE((SELECT chunk FROM audit_shipping WHERE id = 1), 0)" : "0"
            return try Row.fetchOne(db, sql: "SELECT COALESCE(SUM(count), 0) AS n, MIN(first_time) AS t FROM audit_chunks WHERE id > \(cursor)")
        }
        return (row?["n"] ?? 0, (row?["t"] as Int64?).map(AuditTime.init(nanoseconds:)))
    }
}

extension AuditShipper {
    /// The backlog and the last shipper's note, for a store opened by a process that does not ship.
    public static func report(_ store: AuditStore) throws -> ShippingReport {
        guard let backend = store.storage as? SQLiteAuditBackend else {
            throw SharedAuditError.schema("only a sqlite store is shipped")
        }
        try store.catchUp()
        let (events, since) = try ShippingReport.backlog(backend)
        let note = FileManager.default.contents(atPath: ShippingReport.statusPath(store.path))
            .flatMap { try? JSONDecoder().decode(ShippingReport.ShipperNote.self, from: $0) }
        return ShippingReport(backlogEvents: events, backlogSince: since?.rfc3339, shipper: note)
    }
}

/// `postern audit init-shared`.
public enum SharedAuditStoreAdmin {
    public static func initialise(_ spec: SharedPGSpec) throws(SharedAuditError) {
        try SharedAuditSchema.create(SharedPGConnection(spec, applicationName: "postern-audit-init"))
    }
}

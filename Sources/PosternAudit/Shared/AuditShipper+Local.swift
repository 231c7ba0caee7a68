#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import PosternCore

/// The shipper's work on the local store besides reading batches: its own tables, deleting what
/// was shipped, the disk budget, and the note `postern audit status` reads.
extension AuditShipper {
    /// Where the local store has shipped to, and the sessions whose shipped chunks left it (tables
    /// older Postern builds leave alone; `audit verify --local` reads the second).
    static let cursorSchema = """
        CREATE TABLE IF NOT EXISTS audit_shipping (id INTEGER PRIMARY KEY CHECK (id = 1), chunk INTEGER NOT NULL);
        INSERT OR IGNORE INTO audit_shipping (id, chunk) VALUES (1, 0);
        CREATE TABLE IF NOT EXISTS audit_trim_points (sid TEXT PRIMARY KEY, last_ei INTEGER NOT NULL, last_hash BLOB NOT NULL) WITHOUT ROWID;
        """

    /// Local deletion failing is not shipping failing: logged, tried again after the next batch.
    func removeShipped() {
        do {
            try deleteShipped()
        } catch {
            logger.warning("shipped audit chunks could not be removed from the local store", metadata: ["error": "\(error)"])
        }
    }

    /// Chunks removed per local transaction (the index writer waits for each).
    static let deleteChunks = 500

    /// Shipped (and confirmed: at or below the cursor) chunks past `keep_local` leave the local
    /// store, a bounded number per transaction. Each session's trim point (the newest record that
    /// left: its `ei` and hash) is kept, so `audit verify --local` checks what is left against it.
    func deleteShipped() throws {
        guard let days = keepLocalDays else { return }
        let before = AuditTime.now().nanoseconds - Int64(days) * 86_400 * 1_000_000_000
        while !stopped {
            let removed = try backend.pool.write { db -> Int in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT id, sid, last_ei, lines FROM audit_chunks
                      WHERE id <= (SELECT chunk FROM audit_shipping WHERE id = 1) AND last_time < ? ORDER BY id LIMIT ?
                    """, arguments: [before, Self.deleteChunks])
                guard !rows.isEmpty else { return 0 }
                var leaving: [(id: Int64, sid: String, lastEI: Int64, link: AuditChainLink)] = []
                for row in rows {
                    // Read without trapping (a tampered column may hold anything); a chunk that does
                    // not read, or whose last record's hash does not, stays for `audit verify` to name.
                    guard let id = try? row.decode(Int64.self, forColumn: "id"),
                          let sid = try? row.decode(String.self, forColumn: "sid"),
                          let ei = try? row.decode(Int64.self, forColumn: "last_ei"),
                          let lines = try? row.decode(Data.self, forColumn: "lines"),
                          let link = Self.lastRecordLink([UInt8](lines)) else { continue }
                    leaving.append((id, sid, ei, link))
                }
                let ids = leaving.map(\.id)
                for (sid, point) in Self.newest(leaving.map { ($0.sid, $0.lastEI, $0.link) }) {
                    try db.execute(sql: """
                        INSERT INTO audit_trim_points (sid, last_ei, last_hash) VALUES (?, ?, ?)
                          ON CONFLICT (sid) DO UPDATE SET last_ei = excluded.last_ei, last_hash = excluded.last_hash
                          WHERE excluded.last_ei > audit_trim_points.last_ei
                        """, arguments: [sid, point.ei, Data(point.hash)])
                }
                if !ids.isEmpty {
                    try db.execute(sql: "DELETE FROM audit_chunks WHERE id IN (\(ids.map(String.init).joined(separator: ",")))")
                }
                return rows.count
            }
            if removed < Self.deleteChunks { return }
        }
    }

    /// The bytes of the chunks not yet shipped against the budget (the budget thread, each second).
    func checkBudget() {
        guard let budget = budgetBytes else { return }
        guard let bytes = try? ShippingReport.backlogBytes(backend) else { return }
        if bytes < budget {
            if store.budgetExceeded != nil {
                logger.notice("audit backlog back under audit.disk_budget: statements are accepted again")
                store.setBudgetExceeded(nil)
            }
            return
        }
        if store.budgetExceeded == nil {
            logger.error("audit backlog at audit.disk_budget: new statements are refused until shipping catches up",
                         metadata: ["backlog_bytes": "\(bytes)", "budget_bytes": "\(budget)"])
        }
        let (failing, holds) = state.withLock { ($0.lastError != nil, $0.holdsLock) }
        let behind = failing ? "the shared audit store is unreachable"
            : holds ? "shipping to the shared audit store is behind" : "another process ships this store and is behind"
        store.setBudgetExceeded("the audit backlog on this bastion (\(bytes >> 20) MiB) has reached audit.disk_budget "
                                + "(\(budget >> 20) MiB) while \(behind)")
    }

    /// Rewrites `<store>.ship.status` for `postern audit status` (other processes): when the error
    /// changes, else at most once a second.
    func writeNote() {
        let now = Date().timeIntervalSince1970
        let note: ShippingReport.ShipperNote? = state.withLock { s in
            if let noted = s.noted, noted.error == s.lastError, now - noted.time < 1 { return nil }
            s.noted = (now, s.lastError)
            return ShippingReport.ShipperNote(host: host, pid: getpid(), updated: AuditTime.now().rfc3339,
                                              lastError: s.lastError, lastShipped: s.lastShipped?.rfc3339)
        }
        guard let note, let data = try? JSONEncoder().encode(note) else { return }
        let path = ShippingReport.statusPath(storePath)
        let temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        rename(temporary, path)
    }
}

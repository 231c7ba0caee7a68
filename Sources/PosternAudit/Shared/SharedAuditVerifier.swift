import Foundation
import PosternCore

/// `audit verify` on the shared store: every session's chain re-checked from its records as
/// shipped, each chunk's columns against its records, and each session's head (shipped in the same
/// transaction as its chunks) against its last record. Read in one snapshot, while bastions go on
/// shipping.
extension SharedAuditReader {
    /// Chunks walked per round trip.
    static let verifyPage = 256

    public func verify(session: String? = nil) throws -> AuditVerifyReport {
        try connection.transaction { () throws(SharedAuditError) in
            try connection.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                return try walk(session: session)
            } catch let error as SharedAuditError {
                throw error
            } catch {
                throw SharedAuditError.failed(String(describing: error), sqlState: "")
            }
        }
    }

    private func walk(session: String?) throws -> AuditVerifyReport {
        var walk = ChainWalk()
        var sql = "SELECT sid, last_ei, last_hash, trimmed FROM postern_audit_sessions"
        var params: [SharedPGValue] = []
        if let session {
            sql += " WHERE sid = $1"
            params = [.text(session)]
        }
        for row in try connection.exec(sql, params) {
            guard row.count == 4, let sidBytes = row[0] else { continue }
            let sid = String(decoding: sidBytes, as: UTF8.self)
            // Binary bool: one byte, 1 for true.
            if row[3] == [1] { walk.trimmed.insert(sid) }
            guard let ei = row[1]?.int64, let hash = row[2], hash.count == AuditChainLink.hashBytes else {
                walk.broken(session: sid, index: nil, counted: false, "its head (the hash of its last record) is malformed")
                continue
            }
            walk.heads[sid] = (ei, hash)
        }
        var after: (sid: String, ei: Int64, time: Int64)?
        while true {
            var conditions: [String] = []
            var params: [SharedPGValue] = []
            if let session {
                params.append(.text(session))
                conditions.append("sid = $\(params.count)")
            }
            if let after {
                params += [.text(after.sid), .int(after.ei), .int(after.time)]
                let n = params.count
                conditions.append("(sid, first_ei, first_time) > ($\(n - 2), $\(n - 1)::bigint, $\(n)::bigint)")
            }
            var sql = """
                SELECT id, sid, "user", db_service, first_time, last_time, first_ei, last_ei,
                       ',' || array_to_string(types, ',') || ',', count::bigint, lines FROM postern_audit_chunks
                """
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY sid, first_ei, first_time LIMIT \(Self.verifyPage)"
            let rows = try connection.exec(sql, params)
            var batch: [(columns: AuditChunks.Columns, lines: Data)] = []
            for row in rows {
                guard row.count == 11 else { continue }
                func text(_ k: Int) -> String? { row[k].map { String(decoding: $0, as: UTF8.self) } }
                let columns = AuditChunks.Columns(id: row[0]?.int64 ?? 0, sid: text(1), user: text(2), dbService: text(3),
                                                  firstTime: row[4]?.int64, lastTime: row[5]?.int64, firstEI: row[6]?.int64,
                                                  lastEI: row[7]?.int64, types: text(8), count: row[9]?.int64)
                batch.append((columns, Data(row[10] ?? [])))
                after = (columns.sid ?? "", columns.firstEI ?? 0, columns.firstTime ?? 0)
            }
            try walk.check(batch, session: session)
            if rows.count < Self.verifyPage { break }
        }
        walk.finish()
        return walk.report
    }
}

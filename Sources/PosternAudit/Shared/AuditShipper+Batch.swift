import Foundation
import GRDB
import PosternCore

/// A batch: the local chunks past the cursor, and the one PostgreSQL transaction that ships them.
extension AuditShipper {
    /// A local chunk, as shipped.
    struct Chunk {
        let id: Int64
        let sid: String
        let user: String
        let dbService: String
        let firstTime: Int64
        let lastTime: Int64
        let firstEI: Int64
        let lastEI: Int64
        let types: [String]
        let count: Int64
        let lines: [UInt8]
    }

    func nextBatch() throws -> [Chunk] {
        try backend.pool.read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, sid, user, db_service, first_time, last_time, first_ei, last_ei, types, count, lines
                  FROM audit_chunks WHERE id > COALESCE((SELECT chunk FROM audit_shipping WHERE id = 1), 0)
                  ORDER BY id LIMIT ?
                """, arguments: [batchChunks])
            var out: [Chunk] = []
            var bytes = 0
            while let r = try rows.next() {
                // Decoded with errors, not traps: a tampered column stops shipping with a message
                // (in `audit status`) rather than the process.
                let lines = [UInt8](try r.decode(Data.self, forColumn: "lines"))
                let types = try r.decode(String.self, forColumn: "types").split(separator: ",").map(String.init)
                out.append(Chunk(id: try r.decode(Int64.self, forColumn: "id"), sid: try r.decode(String.self, forColumn: "sid"),
                                 user: try r.decode(String.self, forColumn: "user"),
                                 dbService: try r.decode(String.self, forColumn: "db_service"),
                                 firstTime: try r.decode(Int64.self, forColumn: "first_time"),
                                 lastTime: try r.decode(Int64.self, forColumn: "last_time"),
                                 firstEI: try r.decode(Int64.self, forColumn: "first_ei"),
                                 lastEI: try r.decode(Int64.self, forColumn: "last_ei"), types: types,
                                 count: try r.decode(Int64.self, forColumn: "count"), lines: lines))
                bytes += lines.count
                if bytes >= Self.batchBytes { break }
            }
            return out
        }
    }

    /// One transaction: the chunks (already shipped ones skipped), the heads, the notification.
    func ship(_ batch: [Chunk], over c: SharedPGConnection) throws(SharedAuditError) {
        var sql = """
            INSERT INTO postern_audit_chunks
              (host, sid, "user", db_service, first_time, last_time, first_ei, last_ei, types, count, lines) VALUES
            """
        var params: [SharedPGValue] = []
        params.reserveCapacity(batch.count * 11)
        for (k, chunk) in batch.enumerated() {
            let b = k * 11
            sql += (k == 0 ? " " : ", ") + "($\(b + 1), $\(b + 2), $\(b + 3), $\(b + 4), $\(b + 5)::bigint, $\(b + 6)::bigint, "
                + "$\(b + 7)::bigint, $\(b + 8)::bigint, $\(b + 9)::text[], $\(b + 10)::integer, $\(b + 11))"
            params += [.text(host), .text(chunk.sid), .text(chunk.user), .text(chunk.dbService), .int(chunk.firstTime),
                       .int(chunk.lastTime), .int(chunk.firstEI), .int(chunk.lastEI), .text(Self.arrayLiteral(chunk.types)),
                       .int(chunk.count), .bytes(chunk.lines)]
        }
        sql += " ON CONFLICT DO NOTHING"
        try c.transaction { () throws(SharedAuditError) in
            try c.exec(sql, params)
            try shipHeads(batch, over: c)
            try c.exec("SELECT pg_notify($1, $2)", [.text(SharedAuditSchema.channel), .text(host)])
        }
    }

    /// Each session's newest record's hash, so a cut tail shows in the shared store too.
    func shipHeads(_ batch: [Chunk], over c: SharedPGConnection) throws(SharedAuditError) {
        let heads = Self.newest(batch.compactMap { chunk in Self.lastRecordLink(chunk.lines).map { (chunk.sid, chunk.lastEI, $0) } })
        guard !heads.isEmpty else { return }
        var sql = "INSERT INTO postern_audit_sessions (sid, host, last_ei, last_hash) VALUES"
        var params: [SharedPGValue] = []
        for (k, (sid, head)) in heads.sorted(by: { $0.key < $1.key }).enumerated() {
            let b = k * 4
            sql += (k == 0 ? " " : ", ") + "($\(b + 1), $\(b + 2), $\(b + 3)::bigint, $\(b + 4))"
            params += [.text(sid), .text(host), .int(head.ei), .bytes(head.hash)]
        }
        sql += """
             ON CONFLICT (sid) DO UPDATE SET last_ei = EXCLUDED.last_ei, last_hash = EXCLUDED.last_hash
              WHERE postern_audit_sessions.last_ei < EXCLUDED.last_ei
            """
        try c.exec(sql, params)
    }

    /// Each session's newest record among chunks (their sessions, last `ei`s and last links): the
    /// heads shipped, and the trim points kept when chunks leave the local store.
    static func newest(_ chunks: [(sid: String, lastEI: Int64, link: AuditChainLink)]) -> [String: (ei: Int64, hash: [UInt8])] {
        var out: [String: (ei: Int64, hash: [UInt8])] = [:]
        for c in chunks where out[c.sid].map({ $0.ei < c.lastEI }) ?? true { out[c.sid] = (c.lastEI, c.link.hash) }
        return out
    }

    /// The chain link of a chunk's last line: read from the front of a record, else (a chained JSON
    /// line of a store from before v8) from the line decoded.
    static func lastRecordLink(_ lines: [UInt8]) -> AuditChainLink? {
        guard lines.last == 10 else { return nil }
        let body = lines.dropLast()
        let start = body.lastIndex(of: 10).map { $0 + 1 } ?? body.startIndex
        if let link = AuditRecordLine.link(body[start...]) { return link }
        return AuditChunks.records(id: 0, lines: Data(lines)).last?.row?.chain
    }

    /// `{"a","b"}`: event type names hold no quotes or backslashes, but are quoted all the same.
    static func arrayLiteral(_ items: [String]) -> String {
        "{" + items.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}

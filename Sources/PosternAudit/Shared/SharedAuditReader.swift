import Foundation
import PosternCore

/// An event read from the shared store, with the bastion that recorded it.
public struct SharedAuditEvent: Sendable, Encodable {
    public let host: String
    public let event: AuditEvent

    public init(host: String, event: AuditEvent) {
        self.host = host
        self.event = event
    }

    enum HostKey: String, CodingKey { case host = "postern_host" }

    /// Teleport's JSON with one key added, `postern_host` (readers of `AuditEvent` skip it).
    public func encode(to encoder: any Encoder) throws {
        try event.encode(to: encoder)
        var c = encoder.container(keyedBy: HostKey.self)
        try c.encode(host, forKey: .host)
    }

    /// The host of an event line that carries one.
    public static func host(ofJSON line: Data) -> String? {
        (try? JSONSerialization.jsonObject(with: line) as? [String: Any])?["postern_host"] as? String
    }

    /// Why a tail stream from the bastion service ended, when its last line says (`postern_error`).
    public static func serviceError(ofJSON line: Data) -> String? {
        (try? JSONSerialization.jsonObject(with: line) as? [String: Any])?["postern_error"] as? String
    }
}

/// Reads the shared store: searches, sessions (for `play`) and new events as they are shipped
/// (`follow`). Chunks are picked by their columns and decoded here, as the local index's are; the
/// records' own fields decide what matches.
public final class SharedAuditReader {
    let connection: SharedPGConnection
    /// Chunks read per round trip of a search.
    static let page = 64

    public init(_ spec: SharedPGSpec, applicationName: String = "postern-audit-read") throws(SharedAuditError) {
        connection = try SharedPGConnection(spec, applicationName: applicationName)
        try SharedAuditSchema.check(connection)
    }

    /// The newest `limit` matches, oldest first.
    public func search(_ q: AuditSearch) throws -> [SharedAuditEvent] {
        guard q.limit > 0 else { return [] }
        var conditions: [String] = []
        var params: [SharedPGValue] = []
        func add(_ sql: String, _ value: SharedPGValue) {
            params.append(value)
            conditions.append(sql.replacingOccurrences(of: "?", with: "$\(params.count)"))
        }
        if let sid = q.sessionID { add("sid = ?", .text(sid)) }
        if let user = q.user { add("\"user\" = ?", .text(user)) }
        if let database = q.database { add("db_service = ?", .text(database)) }
        if let since = q.since { add("last_time >= ?::bigint", .int(since.nanoseconds)) }
        if let until = q.until { add("first_time < ?::bigint", .int(until.nanoseconds)) }
        if !q.types.isEmpty { add("types && ?::text[]", .text(AuditShipper.arrayLiteral(q.types.map(\.rawValue).sorted()))) }
        var found: [(position: Int64, value: SharedAuditEvent)] = []
        var floor: Int64?
        var after: (time: Int64, id: Int64)?
        while true {
            var pageConditions = conditions
            var pageParams = params
            if let after {
                pageParams += [.int(after.time), .int(after.id)]
                pageConditions.append("(last_time, id) < ($\(pageParams.count - 1)::bigint, $\(pageParams.count)::bigint)")
            }
            var sql = "SELECT id, host, last_time, lines FROM postern_audit_chunks"
            if !pageConditions.isEmpty { sql += " WHERE " + pageConditions.joined(separator: " AND ") }
            sql += " ORDER BY last_time DESC, id DESC LIMIT \(Self.page)"
            let rows = try connection.exec(sql, pageParams)
            for row in rows {
                let chunk = try Self.chunk(row)
                if let floor, chunk.lastTime < floor { return Self.oldestFirst(found) }
                for e in try AuditChunks.events(of: chunk.id, lines: chunk.lines, where: { _, r in
                    q.matches(time: r.time, type: r.event, user: r.user, database: r.dbService, session: r.sessionID)
                }) {
                    found.append((e.position, SharedAuditEvent(host: chunk.host, event: e.event)))
                }
                if found.count >= q.limit {
                    found.sort { ($0.value.event.time.nanoseconds, $0.position) > ($1.value.event.time.nanoseconds, $1.position) }
                    found.removeLast(found.count - q.limit)
                    floor = found.last?.value.event.time.nanoseconds
                }
                after = (chunk.lastTime, chunk.id)
            }
            if rows.count < Self.page { break }
        }
        return Self.oldestFirst(found)
    }

    private static func oldestFirst(_ found: [(position: Int64, value: SharedAuditEvent)]) -> [SharedAuditEvent] {
        found.sorted { ($0.value.event.time.nanoseconds, $0.position) < ($1.value.event.time.nanoseconds, $1.position) }.map(\.value)
    }

    /// Every event of a session, in `ei` order.
    /// `user`: only that user's chunks are read (an operator's `play` of someone else's session
    /// costs nothing).
    public func session(_ sid: String, user: String? = nil) throws -> [SharedAuditEvent] {
        let rows = try user.map { user in
            try connection.exec("""
                SELECT id, host, last_time, lines FROM postern_audit_chunks WHERE sid = $1 AND "user" = $2 ORDER BY first_ei
                """, [.text(sid), .text(user)])
        } ?? connection.exec("SELECT id, host, last_time, lines FROM postern_audit_chunks WHERE sid = $1 ORDER BY first_ei", [.text(sid)])
        var out: [SharedAuditEvent] = []
        for row in rows {
            let chunk = try Self.chunk(row)
            out += try AuditChunks.events(of: chunk.id, lines: chunk.lines).map { SharedAuditEvent(host: chunk.host, event: $0.event) }
        }
        return out.sorted { $0.event.index < $1.event.index }
    }

    /// Calls `deliver` with each event shipped from now on (by any bastion), in the order its
    /// batch committed, until `deliver` returns false. New batches are noticed by `NOTIFY`, and
    /// looked for every `poll` all the same (a notification is not guaranteed delivery).
    /// `ready` runs once what is already there is set aside: events shipped after it are delivered.
    /// `keepGoing` is asked at every look, events or not: a follower whose reader has left stops
    /// within `poll` (and lets go of its connection) even when nothing is shipped.
    public func follow(poll: Duration = .seconds(1), ready: () throws -> Void = {}, keepGoing: () -> Bool = { true },
                       _ deliver: (SharedAuditEvent) throws -> Bool) throws {
        try connection.exec("LISTEN \(SharedAuditSchema.channel)")
        var watermark = try newerThan(nil).xmin
        var seen = Set(try newerThan(watermark).rows.map(\.id))
        try ready()
        while keepGoing() {
            _ = try connection.notifications(waiting: poll)
            let (rows, xmin) = try newerThan(watermark)
            for chunk in rows.sorted(by: { $0.id < $1.id }) where !seen.contains(chunk.id) {
                for e in try AuditChunks.events(of: chunk.id, lines: chunk.lines) {
                    guard try deliver(SharedAuditEvent(host: chunk.host, event: e.event)) else { return }
                }
            }
            // Rows of transactions older than the new watermark are never read again.
            seen = Set(rows.filter { $0.xid >= xmin }.map(\.id))
            watermark = xmin
        }
    }

    /// Chunks written by transactions from `xmin` on (all of them with nil: none are read then), and
    /// the oldest transaction still running now, read from one snapshot.
    private func newerThan(_ xmin: UInt64?) throws -> (rows: [Chunk], xmin: UInt64) {
        try connection.transaction { () throws(SharedAuditError) in
            try connection.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            let now = try connection.exec("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
            guard let text = now.first?.first ?? nil, let current = UInt64(String(decoding: text, as: UTF8.self)) else {
                throw SharedAuditError.failed("no snapshot", sqlState: "")
            }
            guard let xmin else { return ([], current) }
            let rows = try connection.exec("""
                SELECT id, host, last_time, lines, xid::text FROM postern_audit_chunks WHERE xid >= $1::text::xid8
                """, [.text(String(xmin))])
            var chunks: [Chunk] = []
            for row in rows {
                do { chunks.append(try Self.chunk(row)) } catch { throw SharedAuditError.failed("\(error)", sqlState: "") }
            }
            return (chunks, current)
        }
    }

    struct Chunk {
        let id: Int64
        let host: String
        let lastTime: Int64
        let lines: Data
        var xid: UInt64 = 0
    }

    private static func chunk(_ row: [[UInt8]?]) throws -> Chunk {
        guard row.count >= 4, let id = row[0]?.int64, let host = row[1], let last = row[2]?.int64, let lines = row[3] else {
            throw SharedAuditError.failed("a chunk row of an unexpected shape", sqlState: "")
        }
        var chunk = Chunk(id: id, host: String(decoding: host, as: UTF8.self), lastTime: last, lines: Data(lines))
        if row.count > 4, let xid = row[4] { chunk.xid = UInt64(String(decoding: xid, as: UTF8.self)) ?? 0 }
        return chunk
    }
}

import Foundation
import PosternCore

/// The shared store's tables (PostgreSQL), created and migrated by `postern audit init-shared`
/// and checked by every shipper and reader.
///
/// `postern_audit_chunks` holds the local index's chunks as they were (a session's journal records
/// of one indexed batch, byte for byte, and the columns searches pick them by) plus the bastion's
/// `host`. It is partitioned by month of `first_time`, so retention drops whole partitions. A chunk
/// is one session's range of events: `(sid, first_ei, first_time)` is its key, and shipping it
/// twice (a shipper killed between the shared commit and its local note) inserts nothing.
enum SharedAuditSchema {
    static let version = 1
    /// `NOTIFY` channel: one notification per shipped batch, its payload the host.
    static let channel = "postern_audit"
    /// Serialises schema changes and partition creation between bastions.
    static let lockKey: Int64 = 0x706f_7374_6572_6e61  // "posterna"

    static let statements = [
        "CREATE TABLE IF NOT EXISTS postern_audit_meta (key text PRIMARY KEY, value text NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS postern_audit_chunks (
            id bigserial NOT NULL,
            host text NOT NULL,
            sid text NOT NULL, "user" text NOT NULL, db_service text NOT NULL,
            first_time bigint NOT NULL, last_time bigint NOT NULL,
            first_ei bigint NOT NULL, last_ei bigint NOT NULL,
            types text[] NOT NULL, count integer NOT NULL,
            lines bytea NOT NULL,
            shipped_at timestamptz NOT NULL DEFAULT now(),
            -- The shipping transaction: a follower reads what committed since its last look by it,
            -- since ids are handed out before commits and commits may land out of id order.
            xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
            PRIMARY KEY (sid, first_ei, first_time)
        ) PARTITION BY RANGE (first_time)
        """,
        "CREATE INDEX IF NOT EXISTS postern_audit_chunks_time ON postern_audit_chunks (last_time)",
        "CREATE INDEX IF NOT EXISTS postern_audit_chunks_user ON postern_audit_chunks (\"user\", last_time)",
        "CREATE INDEX IF NOT EXISTS postern_audit_chunks_db ON postern_audit_chunks (db_service, last_time)",
        "CREATE INDEX IF NOT EXISTS postern_audit_chunks_host ON postern_audit_chunks (host, last_time)",
        "CREATE INDEX IF NOT EXISTS postern_audit_chunks_types ON postern_audit_chunks USING gin (types)",
        "CREATE INDEX IF NOT EXISTS postern_audit_chunks_id ON postern_audit_chunks (id)",
        "CREATE INDEX IF NOT EXISTS postern_audit_chunks_xid ON postern_audit_chunks (xid)",
        // Each session's chain head as shipped: `audit verify` on the shared store sees a cut tail.
        // `trimmed`: retention dropped its first records; its chain is checked from the first left.
        """
        CREATE TABLE IF NOT EXISTS postern_audit_sessions (
            sid text PRIMARY KEY, host text NOT NULL, last_ei bigint NOT NULL, last_hash bytea NOT NULL,
            trimmed boolean NOT NULL DEFAULT false)
        """,
    ]

    /// Creates what is missing (idempotent; bastions running it together wait for each other).
    static func create(_ c: SharedPGConnection) throws(SharedAuditError) {
        try c.transaction { () throws(SharedAuditError) in
            try c.exec("SELECT pg_advisory_xact_lock($1)", [.int(lockKey)])
            if let found = try installedVersion(c), found > version {
                throw SharedAuditError.schema("its schema is version \(found), newer than this Postern's \(version); upgrade Postern")
            }
            for s in statements { try c.exec(s) }
            try c.exec("""
                INSERT INTO postern_audit_meta (key, value) VALUES ('schema', $1)
                  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                """, [.text(String(version))])
            try ensurePartitions(c, covering: [AuditTime.now().nanoseconds], locked: true)
        }
    }

    /// Refuses a store without the schema, or with a newer one.
    static func check(_ c: SharedPGConnection) throws(SharedAuditError) {
        guard let found = try installedVersion(c) else {
            throw .schema("it has no Postern schema; run `postern audit init-shared` once")
        }
        guard found <= version else {
            throw .schema("its schema is version \(found), newer than this Postern's \(version); upgrade Postern")
        }
    }

    private static func installedVersion(_ c: SharedPGConnection) throws(SharedAuditError) -> Int? {
        let exists = try c.exec("SELECT to_regclass('postern_audit_meta') IS NOT NULL")
        guard exists.first?.first??.first == 1 else { return nil }
        let rows = try c.exec("SELECT value FROM postern_audit_meta WHERE key = 'schema'")
        return rows.first?.first?.flatMap { Int(String(decoding: $0, as: UTF8.self)) }
    }

    /// The month partitions holding `times` (nanoseconds), created if missing. Outside `create`
    /// it takes the lock in its own transaction.
    static func ensurePartitions(_ c: SharedPGConnection, covering times: [Int64], locked: Bool = false) throws(SharedAuditError) {
        let months = Set(times.map(Month.init(nanos:)))
        guard !months.isEmpty else { return }
        if locked {
            for m in months.sorted() { try c.exec(m.createSQL) }
            return
        }
        try c.transaction { () throws(SharedAuditError) in
            try c.exec("SELECT pg_advisory_xact_lock($1)", [.int(lockKey)])
            for m in months.sorted() { try c.exec(m.createSQL) }
        }
    }

    /// Drops the month partitions that end before `days` ago; returns their names. Each goes in a
    /// transaction that marks the sessions it held as trimmed and forgets those left with nothing,
    /// so `audit verify` still passes; it waits for the table's lock at most 5 s (readers and other
    /// bastions' inserts queue behind a waiting DROP), and is tried again at the next hour otherwise.
    static func dropExpired(_ c: SharedPGConnection, retentionDays days: Int, now: Int64 = AuditTime.now().nanoseconds) throws(SharedAuditError) -> [String] {
        let cutoff = now - Int64(days) * 86_400 * 1_000_000_000
        let rows = try c.exec("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = 'postern_audit_chunks'::regclass
            """)
        let expired = rows.compactMap { row in row.first.flatMap { $0 }.flatMap { Month(partitionName: String(decoding: $0, as: UTF8.self)) } }
            .filter { $0.next.startNanos <= cutoff }.sorted()
        for month in expired {
            // The name is made from the parsed month, never taken from the catalog as it is.
            try c.transaction { () throws(SharedAuditError) in
                try c.exec("SET LOCAL lock_timeout = '5s'")
                try c.exec("UPDATE postern_audit_sessions SET trimmed = true WHERE sid IN (SELECT DISTINCT sid FROM \(month.name))")
                try c.exec("DROP TABLE \(month.name)")
                try c.exec("""
                    DELETE FROM postern_audit_sessions s
                      WHERE s.trimmed AND NOT EXISTS (SELECT 1 FROM postern_audit_chunks c WHERE c.sid = s.sid)
                    """)
            }
        }
        return expired.map(\.name)
    }

    /// A calendar month (UTC): one partition.
    struct Month: Hashable, Comparable {
        let year: Int
        let month: Int

        init(year: Int, month: Int) {
            self.year = year
            self.month = month
        }

        init(nanos: Int64) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
            let date = Date(timeIntervalSince1970: TimeInterval(nanos / 1_000_000_000))
            let parts = calendar.dateComponents([.year, .month], from: date)
            self.init(year: parts.year ?? 1970, month: parts.month ?? 1)
        }

        /// `postern_audit_chunks_y2026m12`.
        init?(partitionName name: String) {
            let prefix = "postern_audit_chunks_y"
            guard name.hasPrefix(prefix) else { return nil }
            let rest = name.dropFirst(prefix.count).split(separator: "m")
            guard rest.count == 2, let y = Int(rest[0]), let m = Int(rest[1]), (1...12).contains(m) else { return nil }
            self.init(year: y, month: m)
        }

        var next: Month { month == 12 ? Month(year: year + 1, month: 1) : Month(year: year, month: month + 1) }

        var startNanos: Int64 {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
            let date = calendar.date(from: DateComponents(year: year, month: month, day: 1)) ?? Date(timeIntervalSince1970: 0)
            return Int64(date.timeIntervalSince1970) * 1_000_000_000
        }

        var name: String { String(format: "postern_audit_chunks_y%04dm%02d", year, month) }

        var createSQL: String {
            "CREATE TABLE IF NOT EXISTS \(name) PARTITION OF postern_audit_chunks FOR VALUES FROM (\(startNanos)) TO (\(next.startNanos))"
        }

        static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }
    }
}

/// `audit.shared`: a PostgreSQL database that every bastion ships its journaled events to, so one
/// trail serves the fleet. The local store stays the durability point (a statement is forwarded
/// once journaled locally); shipping follows.
public struct SharedAuditConfig: Sendable, Equatable {
    /// Where the shared store is and how to sign in, in a database entry's terms (`uri`, `tls`,
    /// `auth: password|iam`, `password_file`/`password_env`, `aws`).
    public var server: Database
    public var databaseName: String
    public var user: String
    /// Whole months of events older than this are dropped (partitions are monthly).
    public var retentionDays: Int
    /// How long shipped events stay in the local store too (days; 0: deleted once shipped and the
    /// shared store's commit confirmed). A week by default: room to ship again after a restore.
    public var keepLocalDays = 7

    public static let defaultRetentionDays = 400

    public init(server: Database, databaseName: String, user: String, retentionDays: Int = defaultRetentionDays) {
        self.server = server
        self.databaseName = databaseName
        self.user = user
        self.retentionDays = retentionDays
    }
}

/// Byte sizes as written in the config: `512MiB`, `10GiB`, `2GB`, or a plain number of bytes.
public enum ByteSizeText {
    public static func parse(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [
            ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
            ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("B", 1),
        ]
        let trimmed = text.filter { !$0.isWhitespace }
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let n = Int64(trimmed.dropLast(suffix.count)), n >= 0 else { return nil }
            let (product, overflow) = n.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return Int64(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }
}

/// One entry of a Redis command deny list, as the operator wrote it: a command (`FLUSHALL`), a
/// subcommand (`CONFIG|SET`, Redis's own spelling) or an ACL category (`@dangerous`, `@all`),
/// with where it was configured, so a refusal can say which rule applied.
public struct RedisCommandRule: Sendable, Equatable, Hashable, Codable {
    public enum Target: Sendable, Equatable, Hashable, Codable {
        /// Lower-cased, as Redis names commands; `container|sub` for a subcommand.
        case command(String)
        /// Without the `@`, lower-cased.
        case category(String)
        /// `@all`: every command.
        case all
    }

    public var target: Target
    /// `database NAME` or `role NAME`.
    public var source: String

    /// Parses `text`; an entry that names no real command or category shape still parses (it
    /// matches nothing) — config decoding rejects it through `problem(in:)` first.
    public init(_ text: String, source: String) {
        self.source = source
        let lower = text.lowercased()
        if lower == "@all" {
            target = .all
        } else if lower.hasPrefix("@") {
            target = .category(String(lower.dropFirst()))
        } else {
            target = .command(lower)
        }
    }

    public init(target: Target, source: String) {
        self.target = target
        self.source = source
    }

    /// The entry as Redis writes it: `flushall`, `config|set`, `@dangerous`.
    public var text: String {
        switch target {
        case .command(let name): return name
        case .category(let name): return "@" + name
        case .all: return "@all"
        }
    }

    /// Why `text` is not a valid entry, or nil when it is.
    public static func problem(in text: String) -> String? {
        let lower = text.lowercased()
        if lower == "@all" { return nil }
        if lower.hasPrefix("@") {
            let name = String(lower.dropFirst())
            guard RedisCategoryTable.categoryNames.contains(name) else {
                return "\(quoted(text)) is not a Redis ACL category (one of @all, "
                    + RedisCategoryTable.categoryNames.sorted().map { "@" + $0 }.joined(separator: ", ") + ")"
            }
            return nil
        }
        let parts = lower.split(separator: "|", omittingEmptySubsequences: false)
        let valid = (1...2).contains(parts.count) && parts.allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { isCommandScalar($0) }
        }
        return valid ? nil : "\(quoted(text)) is not a Redis command name (e.g. FLUSHALL, CONFIG|SET or @dangerous)"
    }

    private static func isCommandScalar(_ s: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(s) || ("0"..."9").contains(s) || s == "-" || s == "_" || s == "."
    }
}

/// Which commands each Redis ACL category holds. The server's own answer (`ACL CAT <category>`)
/// is preferred, since modules and versions add commands; the built-in Redis 7.0 table fills in
/// whatever the server refuses to say.
public struct RedisCategoryTable: Sendable, Equatable {
    public enum Origin: String, Sendable, Equatable {
        case server
        case builtin
    }

    /// Category (without `@`) → lower-cased command names (`config|set` for subcommands).
    public private(set) var commandsByCategory: [String: Set<String>]
    /// Where each category's members came from.
    public private(set) var origins: [String: Origin]

    public init(commandsByCategory: [String: Set<String>], origin: Origin) {
        self.commandsByCategory = commandsByCategory
        self.origins = commandsByCategory.mapValues { _ in origin }
    }

    /// Redis 7.0's table, built into Postern.
    public static let builtin = RedisCategoryTable(
        commandsByCategory: RedisBuiltinCategories.commandsByCategory.mapValues { text in
            Set(text.split(whereSeparator: \.isWhitespace).map(String.init))
        },
        origin: .builtin)

    /// Redis 7's ACL categories, without `@`.
    public static let categoryNames: Set<String> = Set(RedisBuiltinCategories.commandsByCategory.keys)

    public func commands(in category: String) -> Set<String> { commandsByCategory[category] ?? [] }

    /// Replaces one category's members with what the server answered.
    public mutating func set(_ category: String, commands: Set<String>, origin: Origin) {
        commandsByCategory[category] = commands
        origins[category] = origin
    }
}

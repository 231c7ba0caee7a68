import PosternCore

/// The members of Redis ACL categories as each database's server reports them (`ACL CAT
/// <category>`), asked once per database and category and then cached. A server that refuses
/// (the user lacks `@slow`, or the service disables ACL commands) or cannot be reached leaves the
/// built-in Redis 7.0 members for that category, and is not asked again.
public actor RedisCategoryCatalog {
    private var tables: [String: RedisCategoryTable] = [:]
    private var asked: [String: Set<String>] = [:]

    public init() {}

    /// The table for `database`, with `categories` answered by its server where it would;
    /// `connect` is called only when some category has not been asked yet.
    public func table(for database: Database, categories: Set<String>,
                      connect: () async throws -> RedisCategoryServer) async -> RedisCategoryTable {
        let key = database.name + "\u{0}" + database.uri
        let missing = categories.subtracting(asked[key] ?? [])
        guard !missing.isEmpty else { return tables[key] ?? .builtin }
        asked[key, default: []].formUnion(missing)
        var answered: [String: Set<String>] = [:]
        if let server = try? await connect() {
            for category in missing.sorted() {
                if let members = try? await Self.members(of: category, query: server.query) { answered[category] = members }
            }
            await server.close()
        }
        // Other callers may have filled other categories meanwhile: merge into the latest.
        var table = tables[key] ?? .builtin
        for (category, members) in answered { table.set(category, commands: members, origin: .server) }
        tables[key] = table
        return table
    }

    /// `ACL CAT category` → lower-cased names; nil when the server answers with an error.
    static func members(of category: String, query: @Sendable ([String]) async throws -> RESPValue) async throws
        -> Set<String>?
    {
        let reply = try await query(["ACL", "CAT", category])
        let items: [RESPValue]
        switch reply {
        case .array(let values), .set(let values): items = values
        default: return nil
        }
        let names = items.compactMap { $0.text?.lowercased() }
        return names.isEmpty ? nil : Set(names)
    }
}

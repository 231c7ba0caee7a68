import PosternCore

/// An immutable view of the databases the user may see, with everything filtering needs
/// precomputed. Built off the terminal's actor (config load, discovery) and posted as an event.
public struct InventorySnapshot: Sendable {
    public let clusterName: String
    public let checker: AccessChecker
    public let rows: [DatabaseRow]
    /// Original-case search texts, for regular expressions.
    let texts: [String]
    let search: SearchIndex
    let labelIndex: LabelIndex
    /// Widest name and type over all rows, so columns do not jump while scrolling or filtering.
    public let nameWidth: Int
    public let typeWidth: Int

    /// Keeps the databases `checker` lets the user see.
    public init(databases: [Database], checker: AccessChecker, clusterName: String) {
        self.clusterName = clusterName
        self.checker = checker
        rows = databases.filter(checker.canSee).map(DatabaseRow.init)
        texts = rows.map(\.searchText)
        search = SearchIndex(texts: texts)
        labelIndex = LabelIndex(labels: rows.map(\.labels))
        nameWidth = rows.reduce(0) { max($0, DisplayWidth.of($1.name)) }
        typeWidth = rows.reduce(0) { max($0, DisplayWidth.of($1.protocolText) + 1 + DisplayWidth.of($1.typeText)) }
    }

    public var count: Int { rows.count }

    /// Row numbers in display order.
    public func order(_ sort: SortOrder) -> [Int32] {
        let ids = (0..<Int32(rows.count))
        let byName: (Int32, Int32) -> Bool = { rows[Int($0)].name < rows[Int($1)].name }
        var sorted: [Int32]
        switch sort.key {
        case .name:
            sorted = ids.sorted(by: byName)
        case .protocol:
            sorted = ids.sorted { a, b in
                let x = rows[Int(a)].protocolText, y = rows[Int(b)].protocolText
                return x != y ? x < y : byName(a, b)
            }
        case .type:
            sorted = ids.sorted { a, b in
                let x = rows[Int(a)].typeText, y = rows[Int(b)].typeText
                return x != y ? x < y : byName(a, b)
            }
        }
        if sort.descending { sorted.reverse() }
        return sorted
    }

    /// Row number of the database called `name` (escaped, as drawn).
    public func row(named name: String) -> Int? { rows.firstIndex { $0.name == name } }
}

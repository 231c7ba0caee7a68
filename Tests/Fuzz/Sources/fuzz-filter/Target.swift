import Foundation
import FuzzSupport
import PosternCore
@testable import PosternTUI

/// The console's filter line (what is typed after `/`, as the keyboard delivers it) over a small inventory with the names that
/// break naive code (escapes, CJK, emoji, letters whose lower case is longer). Invariants: the
/// engine's indexed answer (byte search, label index, regex literals) equals a plain check of
/// every row, and narrowing from the query typed one character earlier gives the same rows.
enum FilterTarget {
    static let inventory: InventorySnapshot = {
        let dbs = [
            Database(name: "orders-prod", description: "Orders (PostgreSQL 15, TLS)", protocol: .postgres, uri: "127.0.0.1:1",
                     staticLabels: ["env": "prod", "team": "payments", "engine": "postgres"]),
            Database(name: "analytics-dev", description: "Analytics sandbox", protocol: .postgres, uri: "127.0.0.1:2",
                     staticLabels: ["env": "dev", "team": "data"]),
            Database(name: "sessions-cache", description: "Web sessions (Redis 7, TLS)", protocol: .redis, uri: "127.0.0.1:3",
                     staticLabels: ["env": "prod", "team": "web", "engine": "redis"]),
            Database(name: "search-us", description: "Search index 検索", protocol: .postgres, uri: "127.0.0.1:4",
                     staticLabels: ["env": "prod", "team": "search", "region": "us-east-1"]),
            Database(name: "売上-db", description: "Sales 🚀 launch", protocol: .postgres, uri: "127.0.0.1:5",
                     staticLabels: ["env": "dev", "team": "sales"]),
            Database(name: "evil\u{1B}[31mred", description: "name with an escape\u{7}", protocol: .redis, uri: "127.0.0.1:6",
                     staticLabels: ["env": "staging", "team": "red\u{1B}team"]),
            Database(name: "İSTANBUL-Ops", description: "ẞtraße ΣΑΣ", protocol: .postgres, uri: "127.0.0.1:7",
                     staticLabels: ["env": "Prod", "a=b": "c,d", "region": "eu-south-1"]),
            Database(name: "cart", description: "", protocol: .redis, uri: "127.0.0.1:8"),
        ]
        let user = PosternUser(name: "fuzzer", roles: ["access"])
        guard let checker = try? AccessChecker(user: user, roles: [Role.presetAccess]) else {
            fatalError("the preset role compiles")
        }
        return InventorySnapshot(databases: dbs, checker: checker, clusterName: "fuzz")
    }()

    static func run(_ bytes: [UInt8]) {
        // What the keyboard can type: control characters never reach the filter line (a NUL would
        // trip Foundation's `contains` on Linux, which FilterQuery.Term.implies uses).
        let keys = String(decoding: bytes, as: UTF8.self).unicodeScalars.filter {
            if case .char = CursesKeys.key(character: $0.value) { return true }
            return false
        }
        let text = String(String.UnicodeScalarView(keys))
        guard let query = try? FilterQuery.parse(text) else { return }
        let rows = FilterEngine.evaluate(query, in: inventory)
        let expected = reference(query)
        Fuzz.require(rows == expected, "\(query): engine \(list(rows)), every row checked \(list(expected))")
        // As typed, one character (scalar) a key: the previous keystroke's result narrows to this one.
        if !keys.isEmpty, let before = try? FilterQuery.parse(String(String.UnicodeScalarView(keys.dropLast()))) {
            let cache = FilterCache(query: before, matches: FilterEngine.evaluate(before, in: inventory))
            let narrowed = FilterEngine.evaluate(query, in: inventory, previous: cache)
            Fuzz.require(narrowed == rows, "\(query) after \(before): \(list(narrowed)), not \(list(rows))")
        }
    }

    /// Each row checked on its own, as the grammar in FilterQuery says.
    static func reference(_ query: FilterQuery) -> RowSet {
        var out = RowSet(capacity: inventory.count)
        for (i, row) in inventory.rows.enumerated() {
            let hit: Bool
            switch query.body {
            case .all: hit = true
            case .regex(let p): hit = p.matches(row.searchText)
            case .terms(let terms): hit = terms.allSatisfy { matches($0, row) }
            }
            if hit != query.inverted { out.insert(i) }
        }
        return out
    }

    static func matches(_ term: FilterQuery.Term, _ row: DatabaseRow) -> Bool {
        switch term {
        case .text(let needle):
            let hay = Array(lowered(row.searchText).utf8)
            let n = Array(needle.utf8)
            guard hay.count >= n.count else { return false }
            return (0...(hay.count - n.count)).contains { hay[$0..<($0 + n.count)].elementsEqual(n) }
        case .label(let key, let op, let value, let regex):
            let v = row.labels[key]
            switch op {
            case .equals: return v == value
            case .notEquals: return v != value
            case .matches: return v.map { regex?.matches($0) ?? false } ?? false
            case .notMatches: return !(v.map { regex?.matches($0) ?? false } ?? false)
            }
        }
    }

    /// Lower case as the search index keeps it: ASCII folding for ASCII rows, else Unicode's.
    static func lowered(_ s: String) -> String {
        s.utf8.allSatisfy { $0 < 0x80 } ? String(decoding: s.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
            : s.lowercased()
    }

    static func list(_ rows: RowSet) -> [Int] {
        var out: [Int] = []
        rows.forEach { out.append($0) }
        return out
    }
}

/// label key → value → rows: a selector term costs as much as the rows it names, not the inventory.
/// Row lists are sparse (a label unique to each row must not cost a bitmap per value).
public struct LabelIndex: Sendable {
    private let byKey: [String: [String: [Int32]]]
    private let rowCount: Int

    public init(labels: [[String: String]]) {
        var byKey: [String: [String: [Int32]]] = [:]
        for (row, l) in labels.enumerated() {
            for (k, v) in l { byKey[k, default: [:]][v, default: []].append(Int32(row)) }
        }
        self.byKey = byKey
        rowCount = labels.count
    }

    /// Rows whose label `key` equals `value`.
    public func rows(key: String, value: String) -> RowSet {
        var out = RowSet(capacity: rowCount)
        for r in byKey[key]?[value] ?? [] { out.insert(Int(r)) }
        return out
    }

    /// Rows that have label `key` with a value passing `test` (each distinct value is tested once).
    public func rows(key: String, where test: (String) -> Bool) -> RowSet {
        var out = RowSet(capacity: rowCount)
        for (value, rows) in byKey[key] ?? [:] where test(value) {
            for r in rows { out.insert(Int(r)) }
        }
        return out
    }
}

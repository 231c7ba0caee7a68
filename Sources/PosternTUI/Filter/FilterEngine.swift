/// The last filter result, kept so a query that narrows it only re-checks the rows it kept.
public struct FilterCache: Sendable {
    let query: FilterQuery
    let matches: RowSet
}

public enum FilterEngine {
    /// The rows of `inventory` that `query` keeps. `previous` must come from the same inventory.
    public static func evaluate(_ query: FilterQuery, in inventory: InventorySnapshot,
                                previous: FilterCache? = nil) -> RowSet {
        let n = inventory.count
        if let previous, previous.query == query { return previous.matches }
        switch query.body {
        case .all:
            return RowSet(capacity: n, full: !query.inverted)
        case .regex(let p):
            var out = RowSet(capacity: n)
            for (i, text) in inventory.texts.enumerated() where p.matches(text) { out.insert(i) }
            return query.inverted ? out.complement() : out
        case .terms(let terms):
            if !query.inverted, let previous, narrows(terms, previous.query) {
                return apply(terms, in: inventory, start: previous.matches)
            }
            let out = apply(terms, in: inventory, start: nil)
            return query.inverted ? out.complement() : out
        }
    }

    /// True when every term of the old query is implied by a term of the new one.
    static func narrows(_ terms: [FilterQuery.Term], _ old: FilterQuery) -> Bool {
        guard !old.inverted, case .terms(let oldTerms) = old.body else { return false }
        return oldTerms.allSatisfy { o in terms.contains { $0.implies(o) } }
    }

    /// ANDs the terms; label terms first (index lookups), then substrings over what is left.
    private static func apply(_ terms: [FilterQuery.Term], in inv: InventorySnapshot, start: RowSet?) -> RowSet {
        var set = start
        var texts: [[UInt8]] = []
        for term in terms {
            switch term {
            case .text(let needle):
                texts.append(Array(needle.utf8))
            case .label(let key, let op, let value, let regex):
                var rows: RowSet
                switch op {
                case .equals: rows = inv.labelIndex.rows(key: key, value: value)
                case .notEquals: rows = inv.labelIndex.rows(key: key, value: value).complement()
                case .matches: rows = inv.labelIndex.rows(key: key) { regex?.matches($0) ?? false }
                case .notMatches: rows = inv.labelIndex.rows(key: key) { regex?.matches($0) ?? false }.complement()
                }
                if let s = set { rows.formIntersection(s) }
                set = rows
            }
        }
        for needle in texts {
            if let s = set {
                set = inv.search.rows(containing: needle, among: s)
            } else {
                set = inv.search.rows(containing: needle)
            }
        }
        return set ?? RowSet(capacity: inv.count, full: true)
    }
}

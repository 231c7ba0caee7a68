import Foundation
import Synchronization

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
            let out = regexRows(p, in: inventory)
            return query.inverted ? out.complement() : out
        case .terms(let terms):
            if !query.inverted, let previous, narrows(terms, previous.query) {
                return apply(terms, in: inventory, start: previous.matches)
            }
            let out = apply(terms, in: inventory, start: nil)
            return query.inverted ? out.complement() : out
        }
    }

    /// A literal pattern is a byte search; otherwise the regex runs only on rows holding its
    /// required literal. Rows that are not ASCII always go to the regex engine (see RegexLiterals).
    static func regexRows(_ p: FilterQuery.Pattern, in inv: InventorySnapshot) -> RowSet {
        let literals = p.literals
        if let exact = literals.exact {
            var out = inv.search.rows(fieldStarting: exact.text, wholeField: exact.wholeField)
            inv.search.nonASCII.forEach { row in
                if p.matches(inv.texts[row]) { out.insert(row) } else { out.remove(row) }
            }
            return out
        }
        var candidates = RowSet(capacity: inv.count, full: true)
        if let longest = literals.required.first {
            candidates = inv.search.rows(containing: longest)
            for run in literals.required.dropFirst() { candidates = inv.search.rows(containing: run, among: candidates) }
            candidates.formUnion(inv.search.nonASCII)
        }
        return matching(p, among: candidates, texts: inv.texts)
    }

    /// The regex engine over `candidates`, split across the cores when there are many (about a
    /// microsecond a row, most of it Foundation handing the text to ICU).
    static func matching(_ p: FilterQuery.Pattern, among candidates: RowSet, texts: [String]) -> RowSet {
        var list: [Int32] = []
        list.reserveCapacity(candidates.count)
        candidates.forEach { list.append(Int32($0)) }
        let rows = list
        let chunks = rows.count < 4096 ? 1 : min(ProcessInfo.processInfo.activeProcessorCount, 8)
        let parts = Mutex([RowSet](repeating: RowSet(capacity: texts.count), count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var out = RowSet(capacity: texts.count)
            let size = (rows.count + chunks - 1) / chunks
            for i in (chunk * size)..<min(rows.count, (chunk + 1) * size) where p.matches(texts[Int(rows[i])]) {
                out.insert(Int(rows[i]))
            }
            parts.withLock { $0[chunk] = out }
        }
        return parts.withLock { all in
            var out = RowSet(capacity: texts.count)
            for part in all { out.formUnion(part) }
            return out
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

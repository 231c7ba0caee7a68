import Foundation
import Synchronization

/// The last filter result, kept so a query that narrows it only re-checks the rows it kept.
public struct FilterCache: Sendable {
    let query: FilterQuery
    let matches: RowSet
    /// Regex checks that ran out of budget, each taken as no match (the filter line says so).
    var tooCostly = 0
}

public enum FilterEngine {
    /// The rows of `inventory` that `query` keeps. `previous` must come from the same inventory.
    public static func evaluate(_ query: FilterQuery, in inventory: InventorySnapshot,
                                previous: FilterCache? = nil) -> RowSet {
        result(query, in: inventory, previous: previous).matches
    }

    /// `evaluate`'s rows, with how many regex checks ran out of budget.
    static func result(_ query: FilterQuery, in inventory: InventorySnapshot, previous: FilterCache?) -> FilterCache {
        if let previous, previous.query == query { return previous }
        var tooCostly = 0
        let rows: RowSet
        switch query.body {
        case .all:
            rows = RowSet(capacity: inventory.count, full: !query.inverted)
        case .regex(let p):
            let out = regexRows(p, in: inventory, tooCostly: &tooCostly)
            rows = query.inverted ? out.complement() : out
        case .terms(let terms):
            if !query.inverted, let previous, narrows(terms, previous.query) {
                rows = apply(terms, in: inventory, start: previous.matches, tooCostly: &tooCostly)
            } else {
                let out = apply(terms, in: inventory, start: nil, tooCostly: &tooCostly)
                rows = query.inverted ? out.complement() : out
            }
        }
        return FilterCache(query: query, matches: rows, tooCostly: tooCostly)
    }

    /// A literal pattern is a byte search; otherwise the regex runs only on rows holding its
    /// required literal. Rows that are not ASCII always go to the regex engine (see RegexLiterals).
    /// Every function that runs the regex engine adds its checks that ran out of budget to `tooCostly`.
    static func regexRows(_ p: FilterQuery.Pattern, in inv: InventorySnapshot, tooCostly: inout Int) -> RowSet {
        switch regexPlan(p, in: inv, tooCostly: &tooCostly) {
        case .done(let rows):
            return rows
        case .check(let candidates):
            return checked(p, candidates: candidates, texts: inv.texts, tooCostly: &tooCostly)
        }
    }

    /// The candidates the regex engine accepts.
    static func checked(_ p: FilterQuery.Pattern, candidates: RowSet, texts: [String], tooCostly: inout Int) -> RowSet {
        var list: [Int32] = []
        list.reserveCapacity(candidates.count)
        candidates.forEach { list.append(Int32($0)) }
        var out = RowSet(capacity: texts.count)
        for row in matching(p, rows: list[...], texts: texts, tooCostly: &tooCostly) { out.insert(Int(row)) }
        return out
    }

    enum RegexPlan {
        /// Answered by the index.
        case done(RowSet)
        /// These rows need the regex engine.
        case check(RowSet)
    }

    static func regexPlan(_ p: FilterQuery.Pattern, in inv: InventorySnapshot, tooCostly: inout Int) -> RegexPlan {
        let literals = p.literals
        if let exact = literals.exact {
            var out = inv.search.rows(fieldStarting: exact.text, wholeField: exact.wholeField)
            inv.search.nonASCII.forEach { row in
                if p.matches(inv.texts[row], tooCostly: &tooCostly) { out.insert(row) } else { out.remove(row) }
            }
            return .done(out)
        }
        var candidates = RowSet(capacity: inv.count, full: true)
        if let longest = literals.required.first {
            candidates = inv.search.rows(containing: longest)
            for run in literals.required.dropFirst() { candidates = inv.search.rows(containing: run, among: candidates) }
            candidates.formUnion(inv.search.nonASCII)
        }
        return .check(candidates)
    }

    /// The rows of `rows` the regex matches, in their order; split across the cores when there
    /// are many (about a microsecond a row, most of it Foundation handing the text to ICU).
    static func matching(_ p: FilterQuery.Pattern, rows: ArraySlice<Int32>, texts: [String],
                         tooCostly: inout Int) -> [Int32] {
        let chunks = rows.count < 2048 ? 1 : min(ProcessInfo.processInfo.activeProcessorCount, 8)
        let parts = Mutex(([[Int32]](repeating: [], count: chunks), 0))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let size = (rows.count + chunks - 1) / chunks
            let from = rows.startIndex + chunk * size
            var costly = 0
            let part = rows[from..<min(rows.endIndex, from + size)].filter { p.matches(texts[Int($0)], tooCostly: &costly) }
            parts.withLock {
                $0.0[chunk] = part
                $0.1 += costly
            }
        }
        let (found, costly) = parts.withLock { ($0.0.flatMap { $0 }, $0.1) }
        tooCostly += costly
        return found
    }

    /// True when every term of the old query is implied by a term of the new one.
    static func narrows(_ terms: [FilterQuery.Term], _ old: FilterQuery) -> Bool {
        guard !old.inverted, case .terms(let oldTerms) = old.body else { return false }
        return oldTerms.allSatisfy { o in terms.contains { $0.implies(o) } }
    }

    /// ANDs the terms; label terms first (index lookups), then substrings over what is left.
    private static func apply(_ terms: [FilterQuery.Term], in inv: InventorySnapshot, start: RowSet?,
                              tooCostly: inout Int) -> RowSet {
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
                case .matches: rows = inv.labelIndex.rows(key: key) { regex?.matches($0, tooCostly: &tooCostly) ?? false }
                case .notMatches:
                    rows = inv.labelIndex.rows(key: key) { regex?.matches($0, tooCostly: &tooCostly) ?? false }.complement()
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

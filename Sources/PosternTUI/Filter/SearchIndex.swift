import CNCurses

/// The lower-cased text each row is searched by (name, description, `k=v` labels, as drawn: escaped),
/// laid end to end in one buffer so a substring filter is one `memmem` sweep, not 100k string searches.
public struct SearchIndex: Sendable {
    /// Row texts, each followed by a 0 byte so no match can cross from one row into the next.
    private let bytes: [UInt8]
    /// Start of row i's text; `starts[count]` is the end of the buffer.
    private let starts: [Int]

    public init(texts: [String]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count + 1 })
        var starts: [Int] = []
        starts.reserveCapacity(texts.count + 1)
        for t in texts {
            starts.append(bytes.count)
            bytes.append(contentsOf: t.lowercased().utf8)
            bytes.append(0)
        }
        starts.append(bytes.count)
        self.bytes = bytes
        self.starts = starts
    }

    public var count: Int { starts.count - 1 }

    /// Rows whose text contains `needle` (already lower-cased).
    public func rows(containing needle: [UInt8]) -> RowSet {
        var out = RowSet(capacity: count)
        guard !needle.isEmpty else { return RowSet(capacity: count, full: true) }
        bytes.withUnsafeBytes { hay in
            needle.withUnsafeBytes { n in
                guard let base = hay.baseAddress, let nb = n.baseAddress else { return }
                var pos = 0
                var row = 0
                while pos < hay.count {
                    guard let hit = memmem(base + pos, hay.count - pos, nb, n.count) else { break }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    row = rowOf(offset, from: row)
                    out.insert(row)
                    pos = starts[row + 1]  // one hit is enough: skip to the next row
                }
            }
        }
        return out
    }

    /// Of `candidates`, the rows whose text contains `needle`: for a query that narrows the last one.
    public func rows(containing needle: [UInt8], among candidates: RowSet) -> RowSet {
        var out = RowSet(capacity: count)
        guard !needle.isEmpty else { return candidates }
        bytes.withUnsafeBytes { hay in
            needle.withUnsafeBytes { n in
                guard let base = hay.baseAddress, let nb = n.baseAddress else { return }
                candidates.forEach { row in
                    let start = starts[row], length = starts[row + 1] - start
                    if memmem(base + start, length, nb, n.count) != nil { out.insert(row) }
                }
            }
        }
        return out
    }

    /// The row holding byte `offset`: a binary search from `low` (hits come in increasing order).
    private func rowOf(_ offset: Int, from low: Int) -> Int {
        var lo = low, hi = count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}

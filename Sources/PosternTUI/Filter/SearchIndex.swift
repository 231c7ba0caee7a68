import CNCurses

/// The lower-cased text each row is searched by (name, description, `k=v` labels, as drawn: escaped),
/// laid end to end in one buffer so a substring filter is one `memmem` sweep, not 100k string searches.
public struct SearchIndex: Sendable {
    /// Row texts, each followed by a 0 byte so no match can cross from one row into the next.
    private let bytes: [UInt8]
    /// Start of row i's text; `starts[count]` is the end of the buffer.
    private let starts: [Int]
    /// Rows whose text is not all ASCII (where lower-casing is not byte by byte).
    let nonASCII: RowSet

    public init(texts: [String]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count + 1 })
        var starts: [Int] = []
        starts.reserveCapacity(texts.count + 1)
        var nonASCII = RowSet(capacity: texts.count)
        for (row, t) in texts.enumerated() {
            starts.append(bytes.count)
            if t.utf8.allSatisfy({ $0 < 0x80 }) {
                for b in t.utf8 { bytes.append(b >= 65 && b <= 90 ? b + 32 : b) }
            } else {
                nonASCII.insert(row)
                bytes.append(contentsOf: t.lowercased().utf8)
            }
            bytes.append(0)
        }
        starts.append(bytes.count)
        self.bytes = bytes
        self.starts = starts
        self.nonASCII = nonASCII
    }

    /// Rows with a field (a line of the text) that starts with `needle`, or is `needle` when
    /// `wholeField`: what `^needle` and `^needle$` match.
    func rows(fieldStarting needle: [UInt8], wholeField: Bool) -> RowSet {
        sweep(needle) { hay, row, offset in
            let startsField = offset == starts[row] || hay[offset - 1] == 0x0A
            let end = offset + needle.count
            return startsField && (!wholeField || hay[end] == 0x0A || hay[end] == 0)
        }
    }

    public var count: Int { starts.count - 1 }

    /// Rows whose text contains `needle` (already lower-cased).
    public func rows(containing needle: [UInt8]) -> RowSet {
        sweep(needle) { _, _, _ in true }
    }

    /// One `memmem` sweep over the whole buffer: each hit's row is kept when `accept` says so
    /// (then the sweep skips to the next row), else the search goes on just past the hit.
    private func sweep(_ needle: [UInt8], accept: (UnsafeRawBufferPointer, Int, Int) -> Bool) -> RowSet {
        guard !needle.isEmpty else { return RowSet(capacity: count, full: true) }
        var out = RowSet(capacity: count)
        bytes.withUnsafeBytes { hay in
            needle.withUnsafeBytes { n in
                guard let base = hay.baseAddress, let nb = n.baseAddress else { return }
                var pos = 0
                var row = 0
                while pos < hay.count {
                    guard let hit = memmem(base + pos, hay.count - pos, nb, n.count) else { break }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    row = rowOf(offset, from: row)
                    if accept(hay, row, offset) {
                        out.insert(row)
                        pos = starts[row + 1]
                    } else {
                        pos = offset + 1
                    }
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

    /// The row holding byte `offset`: hits come in increasing order, usually in the next row or
    /// one soon after, so a few steps forward from `low`, then a binary search.
    private func rowOf(_ offset: Int, from low: Int) -> Int {
        var row = low
        for _ in 0..<8 {
            if row + 1 >= count || starts[row + 1] > offset { return row }
            row += 1
        }
        var lo = row, hi = count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}

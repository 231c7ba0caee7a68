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
    /// Which ASCII bytes occur in each row's (lower-cased) text: two words a row, bit b for byte
    /// b. The first key typed is answered from these alone, and a row lacking one of a longer
    /// needle's bytes is passed over without a search.
    private let present: [UInt64]
    /// For each pair of ASCII bytes (index `a << 7 | b`), the rows whose text holds it; empty
    /// where no row does. A needle's rows are among those holding all of its pairs, so a
    /// keystroke costs a few bitmap ANDs and a check of the rows left, not a search of them all.
    private let pairs: [RowSet?]

    public init(texts: [String]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count + 1 })
        var starts: [Int] = []
        starts.reserveCapacity(texts.count + 1)
        var nonASCII = RowSet(capacity: texts.count)
        var present = [UInt64](repeating: 0, count: texts.count * 2)
        for (row, t) in texts.enumerated() {
            let start = bytes.count
            starts.append(start)
            if t.utf8.allSatisfy({ $0 < 0x80 }) {
                for b in t.utf8 { bytes.append(b >= 65 && b <= 90 ? b + 32 : b) }
            } else {
                nonASCII.insert(row)
                bytes.append(contentsOf: t.lowercased().utf8)
            }
            var low: UInt64 = 0, high: UInt64 = 0
            for b in bytes[start...] where b < 0x80 {
                if b < 64 { low |= 1 << UInt64(b) } else { high |= 1 << UInt64(b - 64) }
            }
            present[row * 2] = low
            present[row * 2 + 1] = high
            bytes.append(0)
        }
        starts.append(bytes.count)
        var pairs = [RowSet?](repeating: nil, count: 1 << 14)
        bytes.withUnsafeBufferPointer { all in
            for row in 0..<texts.count {
                var previous = 0xFF
                for i in starts[row]..<(starts[row + 1] - 1) {
                    let b = Int(all[i])
                    if previous < 0x80, b < 0x80 {
                        let pair = previous << 7 | b
                        if pairs[pair] == nil { pairs[pair] = RowSet(capacity: texts.count) }
                        pairs[pair]?.insert(row)
                    }
                    previous = b
                }
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.nonASCII = nonASCII
        self.present = present
        self.pairs = pairs
    }

    /// Rows holding every byte pair of `needle` (all of them when it has fewer than two bytes,
    /// or a non-ASCII byte): a superset of the rows containing it, exact for two bytes.
    private func pairCandidates(_ needle: [UInt8]) -> RowSet? {
        guard needle.count >= 2, needle.allSatisfy({ $0 < 0x80 }) else { return nil }
        var out: RowSet?
        for i in 1..<needle.count {
            guard let rows = pairs[Int(needle[i - 1]) << 7 | Int(needle[i])] else { return RowSet(capacity: count) }
            if out == nil { out = rows } else { out?.formIntersection(rows) }
        }
        return out
    }

    /// The `present` bits a needle needs; nil when it has a non-ASCII byte.
    private static func mask(_ needle: [UInt8]) -> (UInt64, UInt64)? {
        var low: UInt64 = 0, high: UInt64 = 0
        for b in needle {
            guard b < 0x80 else { return nil }
            if b < 64 { low |= 1 << UInt64(b) } else { high |= 1 << UInt64(b - 64) }
        }
        return (low, high)
    }

    private func mayContain(_ row: Int, _ mask: (UInt64, UInt64)) -> Bool {
        present[row * 2] & mask.0 == mask.0 && present[row * 2 + 1] & mask.1 == mask.1
    }

    /// Rows with a field (a line of the text) that starts with `needle`, or is `needle` when
    /// `wholeField`: what `^needle` and `^needle$` match.
    func rows(fieldStarting needle: [UInt8], wholeField: Bool) -> RowSet {
        guard !needle.isEmpty else { return RowSet(capacity: count, full: true) }
        let n = needle.count
        let endsField = { (hay: UnsafeRawBufferPointer, at: Int) in !wholeField || hay[at] == 0x0A || hay[at] == 0 }
        // The first field starts the row: compared in place.
        var out = RowSet(capacity: count)
        bytes.withUnsafeBytes { hay in
            for row in 0..<count {
                let start = starts[row]
                guard start + n < starts[row + 1], hay[start] == needle[0] else { continue }
                if (1..<n).allSatisfy({ hay[start + $0] == needle[$0] }), endsField(hay, start + n) { out.insert(row) }
            }
        }
        // The others follow a line break: a search for the break and the needle together.
        let marked = [0x0A] + needle
        let accept = { (hay: UnsafeRawBufferPointer, _: Int, offset: Int) in endsField(hay, offset + marked.count) }
        let later = pairCandidates(marked).map { search(marked, in: $0, accept: accept) } ?? sweep(marked, accept: accept)
        out.formUnion(later)
        return out
    }

    public var count: Int { starts.count - 1 }

    /// Rows holding a one-byte ASCII needle, from the presence bits alone.
    private func byteCandidates(_ needle: [UInt8]) -> RowSet? {
        guard needle.count == 1, let mask = Self.mask(needle) else { return nil }
        var out = RowSet(capacity: count)
        for row in 0..<count where mayContain(row, mask) { out.insert(row) }
        return out
    }

    /// Rows whose text contains `needle` (already lower-cased).
    public func rows(containing needle: [UInt8]) -> RowSet {
        if let rows = byteCandidates(needle) { return rows }
        if let candidates = pairCandidates(needle) {
            return needle.count == 2 ? candidates : rows(containing: needle, among: candidates)
        }
        return sweep(needle) { _, _, _ in true }
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
        guard !needle.isEmpty else { return candidates }
        var candidates = candidates
        if let paired = pairCandidates(needle) {
            candidates.formIntersection(paired)
            if needle.count == 2 { return candidates }
        }
        if let mask = Self.mask(needle) {
            var holding = RowSet(capacity: count)
            candidates.forEach { row in if mayContain(row, mask) { holding.insert(row) } }
            candidates = holding
        }
        return search(needle, in: candidates) { _, _, _ in true }
    }

    /// `needle` searched within each of `candidates`' texts; a row is kept at the first hit
    /// `accept` takes.
    private func search(_ needle: [UInt8], in candidates: RowSet,
                        accept: (UnsafeRawBufferPointer, Int, Int) -> Bool) -> RowSet {
        var out = RowSet(capacity: count)
        bytes.withUnsafeBytes { hay in
            needle.withUnsafeBytes { n in
                guard let base = hay.baseAddress, let nb = n.baseAddress else { return }
                candidates.forEach { row in
                    var pos = starts[row]
                    let end = starts[row + 1]
                    while pos < end, let hit = memmem(base + pos, end - pos, nb, n.count) {
                        let offset = base.distance(to: UnsafeRawPointer(hit))
                        if accept(hay, row, offset) {
                            out.insert(row)
                            return
                        }
                        pos = offset + 1
                    }
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

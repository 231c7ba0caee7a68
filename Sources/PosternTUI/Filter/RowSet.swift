/// A set of row numbers of one inventory, as a bitmap: AND, OR and complement over 100k rows
/// cost a few thousand word operations.
public struct RowSet: Equatable, Sendable {
    public let capacity: Int
    private(set) var words: [UInt64]

    public init(capacity: Int, full: Bool = false) {
        self.capacity = capacity
        words = Array(repeating: full ? ~0 : 0, count: (capacity + 63) / 64)
        if full { trimTail() }
    }

    public func contains(_ row: Int) -> Bool { words[row >> 6] & (1 << UInt64(row & 63)) != 0 }

    public mutating func insert(_ row: Int) { words[row >> 6] |= 1 << UInt64(row & 63) }

    public mutating func remove(_ row: Int) { words[row >> 6] &= ~(1 << UInt64(row & 63)) }

    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    public mutating func formIntersection(_ other: RowSet) {
        for i in words.indices { words[i] &= other.words[i] }
    }

    public mutating func formUnion(_ other: RowSet) {
        for i in words.indices { words[i] |= other.words[i] }
    }

    public func complement() -> RowSet {
        var c = self
        for i in c.words.indices { c.words[i] = ~c.words[i] }
        c.trimTail()
        return c
    }

    /// Calls `body` with every member, in increasing order.
    public func forEach(_ body: (Int) -> Void) {
        for (i, word) in words.enumerated() {
            var w = word
            while w != 0 {
                body(i << 6 | w.trailingZeroBitCount)
                w &= w - 1
            }
        }
    }

    private mutating func trimTail() {
        let extra = words.count * 64 - capacity
        guard extra > 0, !words.isEmpty else { return }
        words[words.count - 1] &= ~0 >> UInt64(extra)
    }
}

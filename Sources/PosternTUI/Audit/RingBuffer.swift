/// A bounded FIFO: appending past `capacity` drops the oldest. Elements are addressed by a running
/// sequence number, so a selection keeps pointing at the same element as older ones are dropped.
struct RingBuffer<Element: Sendable>: Sendable {
    let capacity: Int
    private var storage: [Element] = []
    /// Index in `storage` of the oldest element (0 until the buffer is full).
    private var head = 0
    /// Sequence number of the oldest element kept.
    private(set) var firstSequence = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(min(self.capacity, 1024))
    }

    var count: Int { storage.count }
    var isEmpty: Bool { storage.isEmpty }
    /// One past the newest element's sequence number.
    var endSequence: Int { firstSequence + storage.count }
    var sequences: Range<Int> { firstSequence..<endSequence }

    mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = (head + 1) % capacity
            firstSequence += 1
        }
    }

    /// The element with sequence number `sequence`, which must be in `sequences`.
    subscript(sequence: Int) -> Element {
        storage[(head + sequence - firstSequence) % storage.count]
    }
}

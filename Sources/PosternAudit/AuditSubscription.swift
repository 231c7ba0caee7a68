import PosternCore

/// The events committed after `subscribe()`, in store order, for as long as it is iterated. This
/// process's events arrive as soon as they commit (handed over by the writer); other processes'
/// events sharing the store are found by polling past the last position seen. The inbox is bounded:
/// when a slow reader lets it overflow, the dropped batches are read back from the store, so none is
/// lost and memory stays flat. Ends when the store closes.
public final class AuditSubscription: AsyncSequence, Sendable {
    public typealias Element = AuditEvent

    let inbox: AsyncStream<AuditSignal>
    let backend: any AuditBackend
    let startCursor: Int64
    let stop: @Sendable () -> Void

    init(inbox: AsyncStream<AuditSignal>, backend: any AuditBackend, startCursor: Int64,
         stop: @escaping @Sendable () -> Void) {
        self.inbox = inbox
        self.backend = backend
        self.startCursor = startCursor
        self.stop = stop
    }

    deinit { stop() }

    public func makeAsyncIterator() -> Iterator {
        Iterator(subscription: self, inbox: inbox.makeAsyncIterator(), cursor: startCursor)
    }

    public struct Iterator: AsyncIteratorProtocol {
        static let page = 1000
        let subscription: AuditSubscription
        var inbox: AsyncStream<AuditSignal>.Iterator
        var cursor: Int64
        var pending: [AuditEvent] = []
        var index = 0
        var moreStored = false

        init(subscription: AuditSubscription, inbox: AsyncStream<AuditSignal>.Iterator, cursor: Int64) {
            self.subscription = subscription
            self.inbox = inbox
            self.cursor = cursor
        }

        public mutating func next() async throws -> AuditEvent? {
            while true {
                if index < pending.count {
                    index += 1
                    return pending[index - 1]
                }
                pending.removeAll(keepingCapacity: true)
                index = 0
                if moreStored {
                    try catchUp()
                    continue
                }
                guard let signal = await inbox.next() else { return nil }
                switch signal {
                case .committed(let stored):
                    let seen = cursor
                    let fresh = stored.drop(while: { $0.position <= seen })
                    guard let first = fresh.first, let last = fresh.last else { continue }
                    if first.previous == cursor {
                        pending = fresh.map(\.event)
                        cursor = last.position
                    } else {
                        try catchUp() // something was committed in between: read it from the store, in order
                    }
                case .poll:
                    try catchUp()
                }
            }
        }

        mutating func catchUp() throws {
            let stored = try subscription.backend.events(after: cursor, limit: Self.page)
            pending = stored.map(\.event)
            if let last = stored.last { cursor = last.position }
            moreStored = stored.count == Self.page
        }
    }
}

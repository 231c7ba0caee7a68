import Foundation

/// Runs discovery every `interval` and hands each snapshot to every subscriber (the TUI, the
/// proxy's database list). A new subscriber first gets the latest snapshot, if there is one.
public actor DiscoveryRefresher {
    public typealias Fetch = @Sendable () async -> DiscoverySnapshot

    private let fetch: Fetch
    public let interval: Duration
    public private(set) var latest: DiscoverySnapshot?
    private var subscribers: [UUID: AsyncStream<DiscoverySnapshot>.Continuation] = [:]
    private var loop: Task<Void, Never>?

    public init(interval: Duration, fetch: @escaping Fetch) {
        self.interval = interval
        self.fetch = fetch
    }

    public init(discovery: AWSDiscovery, interval: Duration) {
        self.init(interval: interval) { await discovery.discover() }
    }

    /// A stream of snapshots, newest first; it ends when the refresher stops or the consumer
    /// stops reading. A slow consumer only ever sees the newest snapshot it missed.
    public func snapshots() -> AsyncStream<DiscoverySnapshot> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: DiscoverySnapshot.self, bufferingPolicy: .bufferingNewest(1))
        if let latest { continuation.yield(latest) }
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: UUID) {
        subscribers[id] = nil
    }

    /// Starts the periodic loop (the first pass runs at once); calling it again does nothing.
    public func start() {
        guard loop == nil else { return }
        loop = Task { [weak self, interval] in
            while !Task.isCancelled {
                guard let self else { return }
                _ = await self.refreshNow()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Runs one pass now, publishes and returns it.
    @discardableResult
    public func refreshNow() async -> DiscoverySnapshot {
        let snapshot = await fetch()
        latest = snapshot
        for continuation in subscribers.values { continuation.yield(snapshot) }
        return snapshot
    }

    /// Stops the loop and ends every subscriber's stream.
    public func stop() {
        loop?.cancel()
        loop = nil
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
    }
}

import NIOConcurrencyHelpers
import NIOCore

/// The live sessions of a proxy, so a shutdown can end each one cleanly.
final class SessionTracker: Sendable {
    typealias Stop = @Sendable () -> EventLoopFuture<Void>

    private let sessions = NIOLockedValueBox<[ObjectIdentifier: Stop]>([:])

    func add(_ id: ObjectIdentifier, stop: @escaping Stop) {
        sessions.withLockedValue { $0[id] = stop }
    }

    func remove(_ id: ObjectIdentifier) {
        _ = sessions.withLockedValue { $0.removeValue(forKey: id) }
    }

    var count: Int { sessions.withLockedValue { $0.count } }

    /// Asks every session to stop and returns when all have.
    func stopAll(on eventLoop: EventLoop) -> EventLoopFuture<Void> {
        let stops = sessions.withLockedValue { Array($0.values) }
        let futures = stops.map { $0() }
        return EventLoopFuture.andAllComplete(futures, on: eventLoop)
    }
}

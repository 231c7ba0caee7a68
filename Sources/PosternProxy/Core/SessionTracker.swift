import NIOConcurrencyHelpers
import NIOCore

/// The live sessions of a proxy, so a shutdown can end each one cleanly and a config reload can
/// end those whose access is gone.
final class SessionTracker: Sendable {
    typealias Stop = @Sendable (SessionStopReason) -> EventLoopFuture<Void>

    struct Entry: Sendable {
        let context: ProxySessionContext
        let stop: Stop
        /// Cancels the session's TTL and idle timers, when it has any.
        let cancelTimers: (@Sendable () -> Void)?
    }

    private let sessions = NIOLockedValueBox<[ObjectIdentifier: Entry]>([:])

    func add(_ id: ObjectIdentifier, context: ProxySessionContext, stop: @escaping Stop,
             cancelTimers: (@Sendable () -> Void)? = nil) {
        sessions.withLockedValue { $0[id] = Entry(context: context, stop: stop, cancelTimers: cancelTimers) }
    }

    func remove(_ id: ObjectIdentifier) {
        let entry = sessions.withLockedValue { $0.removeValue(forKey: id) }
        entry?.cancelTimers?()
    }

    var count: Int { sessions.withLockedValue { $0.count } }

    /// Asks every session to stop and returns when all have.
    func stopAll(on eventLoop: EventLoop) -> EventLoopFuture<Void> {
        let stops = sessions.withLockedValue { $0.values.map(\.stop) }
        let futures = stops.map { $0(.shutdown) }
        return EventLoopFuture.andAllComplete(futures, on: eventLoop)
    }

    /// Checks every open session's route again (its authorizer sees the current roles) and ends
    /// the ones now denied; returns how many were ended once they have.
    func stopRevoked(on eventLoop: EventLoop) -> EventLoopFuture<Int> {
        let entries = sessions.withLockedValue { Array($0.values) }
        var futures: [EventLoopFuture<Void>] = []
        for entry in entries {
            let decision = entry.context.authorizer.check(entry.context.route)
            guard !decision.allowed else { continue }
            futures.append(entry.stop(.revoked(decision.reason)))
        }
        let count = futures.count
        return EventLoopFuture.andAllComplete(futures, on: eventLoop).map { count }
    }
}

import NIOCore
import PosternCore

/// Ends a session when its role's `max_session_ttl` has passed since it started, or when its
/// client has sent nothing for `client_idle_timeout`. Lives on the session's event loop; the idle
/// timer re-arms itself from the last statement instead of being reset on every statement, so the
/// relay's hot path only stores a timestamp. Cancelled when the session leaves the tracker.
final class SessionWatch {
    private let limits: SessionLimits
    private let eventLoop: EventLoop
    /// Wall nanoseconds of the client's last statement.
    private let lastActivity: () -> Int64
    private let stop: @Sendable (SessionStopReason) -> Void
    private var ttlTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?

    init(limits: SessionLimits, eventLoop: EventLoop, lastActivity: @escaping () -> Int64,
         stop: @escaping @Sendable (SessionStopReason) -> Void) {
        self.limits = limits
        self.eventLoop = eventLoop
        self.lastActivity = lastActivity
        self.stop = stop
    }

    /// Starts the clocks; the returned closure cancels them (from any thread).
    func arm() -> @Sendable () -> Void {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        if let ttl = limits.maxTTL {
            let stop = stop
            ttlTimer = eventLoop.scheduleTask(in: Self.amount(ttl)) { stop(.ttl(ttl)) }
        }
        if let idle = limits.idleTimeout {
            idleTimer = eventLoop.scheduleTask(in: Self.amount(idle)) { bound.value.checkIdle(idle) }
        }
        let loop = eventLoop
        return { loop.execute { bound.value.cancel() } }
    }

    private func cancel() {
        ttlTimer?.cancel()
        idleTimer?.cancel()
    }

    private func checkIdle(_ idle: Duration) {
        let idleNanos = Self.nanos(idle)
        let quiet = ProxyClock.wallNanos() - lastActivity()
        guard quiet < idleNanos else { return stop(.idle(idle)) }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        idleTimer = eventLoop.scheduleTask(in: .nanoseconds(idleNanos - quiet)) { bound.value.checkIdle(idle) }
    }

    private static func nanos(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        let (product, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max / 4 : product + atto / 1_000_000_000
    }

    private static func amount(_ d: Duration) -> TimeAmount { .nanoseconds(nanos(d)) }
}

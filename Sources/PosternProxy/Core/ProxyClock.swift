import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Clock reads for the relay path, without Foundation.
enum ProxyClock {
    /// Wall-clock nanoseconds since the Unix epoch, for event times.
    @inline(__always)
    static func wallNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Monotonic nanoseconds, for durations.
    @inline(__always)
    static func monotonicNanos() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
}

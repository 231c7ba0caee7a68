import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where background work posts events for the terminal's loop: a locked queue plus a self-pipe,
/// so the loop's poll(2) wakes for an event as it does for a key.
final class EventInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ConsoleEvent] = []
    private var signalNumber: Int32?
    let readFD: Int32
    private let writeFD: Int32

    init() throws(TerminalError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TerminalError("cannot create a pipe: errno \(errno)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    func post(_ event: ConsoleEvent) {
        lock.withLock { events.append(event) }
        wake()
    }

    /// A terminating signal (SIGTERM, SIGHUP): the loop restores the terminal and stops.
    func post(signal: Int32) {
        lock.withLock { signalNumber = signal }
        wake()
    }

    func drain() -> (events: [ConsoleEvent], signal: Int32?) {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(readFD, &buffer, buffer.count) > 0 {}
        return lock.withLock {
            defer { events.removeAll() }
            return (events, signalNumber)
        }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }
}

public struct TerminalError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ message: String) { description = message }
}

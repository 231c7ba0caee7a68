import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking stream socket to a Unix path, for a session's own threads (never the curses actor).
final class UnixSocketClient: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let fd: Int32
    private let lock = NSLock()
    private var isShut = false

    init(path: String) throws(Failure) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failure(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "cannot connect to the proxy's socket: \(why)")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Writes every byte (from any thread; writes are serialised).
    func write(_ bytes: [UInt8]) throws(Failure) {
        lock.lock()
        defer { lock.unlock() }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Blocks for the next bytes; empty at the end of the stream.
    func read() throws(Failure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return Array(buffer[0..<n]) }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure(description: "no answer from the proxy in time") }
            if errno != EINTR { throw Failure(description: "read failed: \(String(cString: strerror(errno)))") }
        }
    }

    /// Bounds each `read` (0: wait for ever), so a peer that never answers cannot hang a handshake.
    func setReadTimeout(seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Ends both directions, waking a blocked `read`.
    func shutdownBoth() {
        lock.withLock {
            guard !isShut else { return }
            isShut = true
            _ = shutdown(fd, Int32(SHUT_RDWR))
        }
    }
}

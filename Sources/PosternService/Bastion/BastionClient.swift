import Foundation
import PosternCore

#if canImport(Glibc)
import Glibc
#endif

/// An operator's side of the bastion service's socket, for the CLI's one-shot requests: blocking
/// I/O on a Unix socket, one request per connection.
public struct BastionClient: Sendable {
    public let socketPath: String
    /// `SSH_CONNECTION` of the operator's login, sent along for the audit (marked as reported).
    public let sshConnection: String?

    public init(socketPath: String, sshConnection: String?) {
        self.socketPath = socketPath
        self.sshConnection = sshConnection
    }

    /// Bastion mode is on when `POSTERN_SOCKET` names a socket, or the service's default socket
    /// exists. (Setting or clearing the variable changes nothing an operator may do: outside the
    /// service they hold no secret, so a config of their own reaches nothing.)
    public static func locate(environment: [String: String]) -> BastionClient? {
        let ssh = environment["SSH_CONNECTION"]
        if let path = environment["POSTERN_SOCKET"], !path.isEmpty {
            return BastionClient(socketPath: path, sshConnection: ssh)
        }
        var st = stat()
        guard stat(ServeConfig.defaultSocket, &st) == 0, (st.st_mode & S_IFMT) == S_IFSOCK else { return nil }
        return BastionClient(socketPath: ServeConfig.defaultSocket, sshConnection: ssh)
    }

    /// Sends a request and returns the reply line (a refusal is `ok: false`, not an error).
    public func send(_ request: BastionRequest) throws(BastionClientError) -> BastionReply {
        let connection = try open(request)
        defer { close(connection.fd) }
        return connection.reply
    }

    /// Sends a request whose reply is followed by one JSON line per event (`audit.tail`), and
    /// hands each line to `line` until the service closes or `line` returns false.
    public func stream(_ request: BastionRequest, line: (Data) -> Bool) throws(BastionClientError) {
        let connection = try open(request)
        defer { close(connection.fd) }
        guard connection.reply.ok else { throw BastionClientError(connection.reply.error ?? "the service refused") }
        var reader = LineReader(fd: connection.fd, buffer: connection.rest)
        while let next = reader.next() {
            guard line(next) else { return }
        }
    }

    public struct Connection: Sendable {
        public let fd: Int32
        public let reply: BastionReply
        /// Bytes after the reply line (the start of the database protocol, or of the stream).
        public let rest: [UInt8]
    }

    /// Connects, sends the request (with the SSH address) and reads the reply line.
    public func open(_ request: BastionRequest) throws(BastionClientError) -> Connection {
        var request = request
        request.sshClient = sshConnection
        let fd = try connectSocket()
        do {
            let data = try BastionWire.encode(request)
            try writeAll(fd, Array(data))
            var reader = LineReader(fd: fd, buffer: [])
            guard let line = reader.next() else { throw BastionClientError("the service closed the connection without answering") }
            let reply = try BastionWire.decode(BastionReply.self, from: line)
            return Connection(fd: fd, reply: reply, rest: reader.buffer)
        } catch let e as BastionClientError {
            close(fd)
            throw e
        } catch {
            close(fd)
            throw BastionClientError("the service's answer is unreadable: \(error)")
        }
    }

    private func connectSocket() throws(BastionClientError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BastionClientError("cannot create a socket: \(Self.errnoText())") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw BastionClientError("the socket path \(socketPath) is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.enumerated() { raw[i] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let why = Self.errnoText()
            close(fd)
            throw BastionClientError("the Postern service does not answer at \(socketPath): \(why) (is `postern serve` running?)")
        }
        return fd
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(BastionClientError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw BastionClientError("cannot write to the service: \(Self.errnoText())") }
            offset += n
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

public struct BastionClientError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Lines from a blocking descriptor.
struct LineReader {
    let fd: Int32
    var buffer: [UInt8]

    mutating func next() -> Data? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            buffer += chunk[..<n]
        }
    }
}

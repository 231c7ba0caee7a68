import Foundation
@testable import PosternProxy

#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking PostgreSQL client for checks psql cannot make: the SQLSTATE of a refusal,
/// and bytes no real client would send.
final class RawPGClient {
    private let fd: Int32
    private var inbox: [UInt8] = []

    struct Message {
        let type: UInt8
        let body: [UInt8]
        var fields: [Character: String] {
            var out: [Character: String] = [:]
            var i = 0
            while i < body.count, body[i] != 0 {
                let key = Character(Unicode.Scalar(body[i]))
                i += 1
                guard let end = body[i...].firstIndex(of: 0) else { break }
                out[key] = String(decoding: body[i..<end], as: UTF8.self)
                i = end + 1
            }
            return out
        }
    }

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw HarnessError("cannot connect to 127.0.0.1:\(port)") }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func sendMessage(_ type: UInt8, _ body: [UInt8]) {
        send(Self.frame(Unicode.Scalar(type), body))
    }

    /// The next message, or nil when the server closed the connection.
    func receive() -> Message? {
        while true {
            if inbox.count >= 5 {
                let length = Int(Int32(bigEndian: inbox[1...4].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
                if inbox.count >= 1 + length {
                    let message = Message(type: inbox[0], body: Array(inbox[5..<(1 + length)]))
                    inbox.removeFirst(1 + length)
                    return message
                }
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return nil }
            inbox += chunk[0..<n]
        }
    }

    /// Whether the server closed the connection (after any messages still queued).
    func isClosed() -> Bool {
        while let _ = receive() {}
        return true
    }

    enum Outcome {
        case ready
        case error(Message)
    }

    /// StartupMessage (with `parameters` after user and database), then SCRAM-SHA-256 with
    /// `password`, up to ReadyForQuery or an ErrorResponse.
    func startup(user: String, database: String, password: String,
                 parameters: [(String, String)] = [("application_name", "raw-test")]) throws -> Outcome {
        var body = be32(PGWire.protocolVersion3)
        for (k, v) in [("user", user), ("database", database)] + parameters {
            body += Array(k.utf8) + [0] + Array(v.utf8) + [0]
        }
        body += [0]
        send(be32(Int32(body.count + 4)) + body)
        var exchange = SCRAMClientExchange(password: password)
        while let message = receive() {
            switch message.type {
            case UInt8(ascii: "E"): return .error(message)
            case UInt8(ascii: "Z"): return .ready
            case UInt8(ascii: "R"):
                let code = Int32(bigEndian: message.body[0..<4].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
                let rest = String(decoding: message.body[4...], as: UTF8.self)
                switch code {
                case 10:
                    let first = Array(exchange.clientFirst.utf8)
                    sendMessage(UInt8(ascii: "p"), Array("SCRAM-SHA-256".utf8) + [0] + be32(Int32(first.count)) + first)
                case 11:
                    sendMessage(UInt8(ascii: "p"), Array(try exchange.respond(serverFirst: rest).utf8))
                default: continue
                }
            default: continue
            }
        }
        throw HarnessError("the server closed the connection during startup")
    }

    /// A client signed in through `tunnel` as its route's user, ready for queries.
    static func ready(_ tunnel: ProxyHarness.Tunnel) throws -> RawPGClient {
        let client = try RawPGClient(port: tunnel.port)
        guard case .ready = try client.startup(user: tunnel.route.dbUser, database: tunnel.route.dbName,
                                               password: tunnel.password)
        else { throw HarnessError("startup through the tunnel failed") }
        return client
    }

    /// A simple Query, returning messages up to ReadyForQuery.
    func query(_ sql: String) -> [Message] {
        sendMessage(UInt8(ascii: "Q"), Array(sql.utf8) + [0])
        return untilReady()
    }
}

func be32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }

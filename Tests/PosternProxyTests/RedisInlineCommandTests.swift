import Foundation
import PosternCore
import XCTest
@testable import PosternProxy

/// Inline commands (telnet, `nc`) through a tunnel: the server runs the arguments Postern split,
/// checked and audited, sent as a RESP array, never the line as typed.
final class RedisInlineCommandTests: XCTestCase {
    func testInlineCommandsReachTheServerAsTheArraysThatWereAudited() async throws {
        let h = try ProxyHarness()
        let tunnel = try await h.tunnel(try h.redisDatabase(), dbUser: "alice")
        let key = "postern:inline:\(UUID().uuidString)"
        let client = try RawTCPClient(port: tunnel.port)
        client.send(RESPEncoder.command(["AUTH", "alice", tunnel.password]))
        // Redis keeps a vertical tab or form feed inside an unquoted argument; Postern's splitter
        // (and so its policy and audit) separates there. The server must get Postern's reading.
        client.send("PING\r\nSET \(key):s b\r\nGET \(key):s\r\nSET \(key):q \"a\\x41\"\r\nGET \(key):q\r\n"
            + "RPUSH \(key):l a\u{0B}b c\u{0C}d\r\nLRANGE \(key):l 0 -1\r\nDEL \(key):s \(key):q \(key):l\r\n")
        let expected = "+OK\r\n+PONG\r\n+OK\r\n$1\r\nb\r\n+OK\r\n$2\r\naA\r\n:4\r\n*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n:3\r\n"
        let got = client.read { $0.count >= expected.utf8.count }
        XCTAssertEqual(String(decoding: got.bytes, as: UTF8.self), expected)
        client.finishSending()
        _ = client.read()
        await h.shutdown()
        XCTAssertTrue(h.waitForFinishedSessions(1))
        let session = try XCTUnwrap(h.sink.sessions(dbUser: "alice").first)
        let events = h.redisEvents(session.id)
        XCTAssertEqual(events.queries, [
            "PING", "SET \(key):s b", "GET \(key):s", "SET \(key):q aA", "GET \(key):q",
            "RPUSH \(key):l a b c d", "LRANGE \(key):l 0 -1", "DEL \(key):s \(key):q \(key):l",
        ])
        XCTAssertEqual(events.results.map(\.tag), ["simple-string", "simple-string", "bulk-string", "simple-string",
                                                   "bulk-string", "integer", "array", "integer"])
    }
}

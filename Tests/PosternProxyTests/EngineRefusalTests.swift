import NIOCore
import PosternCore
import XCTest
@testable import PosternProxy

/// Refusals before any session, in each engine's own protocol (the listener's "not your socket",
/// the bastion relay's "no session"), and the session socket's one name.
final class EngineRefusalTests: XCTestCase {
    func testPostgresRefusesWithAFatalErrorResponseAndItsSQLState() {
        let allocator = ByteBufferAllocator()
        let notYours = PostgresEngine.refusal(ClientRefusal(.notAuthorized, "this socket belongs to another user"),
                                              allocator: allocator)
        XCTAssertEqual(notYours.getInteger(at: 0, as: UInt8.self), UInt8(ascii: "E"))
        XCTAssertTrue(String(decoding: notYours.readableBytesView, as: UTF8.self)
            .contains("SFATAL\0VFATAL\0C28000\0Mthis socket belongs to another user\0"))
        let rejected = PostgresEngine.refusal(ClientRefusal(.rejected, "the service refused the session"), allocator: allocator)
        XCTAssertTrue(String(decoding: rejected.readableBytesView, as: UTF8.self).contains("C08004\0"))
    }

    func testRedisRefusesWithAnErrLine() {
        let out = RedisEngine.refusal(ClientRefusal(.notAuthorized, "this socket belongs to\r\nanother user"),
                                      allocator: ByteBufferAllocator())
        XCTAssertEqual(String(decoding: out.readableBytesView, as: UTF8.self), "-ERR this socket belongs to  another user\r\n")
    }

    func testSessionSocketsKeepLibpqsName() {
        XCTAssertEqual(SessionSocket.path(directory: "/run/x", port: 7), "/run/x/.s.PGSQL.7")
        XCTAssertEqual(SessionSocket.port(ofName: ".s.PGSQL.5432"), 5432)
        XCTAssertNil(SessionSocket.port(ofName: "redis.sock"))
    }
}

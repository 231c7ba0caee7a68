import XCTest
@testable import PosternProxy

/// Event uids are the session id with its last group replaced by the event's index in hex.
final class AuditEventIDTests: XCTestCase {
    func testIDsKeepTheSessionStemAndSpellTheIndex() {
        let sid = "7e4c1ecb-02f1-4496-b963-7293e02ebab9"
        XCTAssertEqual(AuditSessionSink.eventID(session: sid, index: 0), "7e4c1ecb-02f1-4496-b963-000000000000")
        XCTAssertEqual(AuditSessionSink.eventID(session: sid, index: 45), "7e4c1ecb-02f1-4496-b963-00000000002d")
        XCTAssertEqual(AuditSessionSink.eventID(session: sid, index: 0xFFFF_FFFF_FFFF),
                       "7e4c1ecb-02f1-4496-b963-ffffffffffff")
        XCTAssertEqual(AuditSessionSink.eventID(session: sid, index: 0x1_0000_0000_0000),
                       "7e4c1ecb-02f1-4496-b963-1000000000000")
        XCTAssertEqual(AuditSessionSink.eventID(session: sid, index: -1), "7e4c1ecb-02f1-4496-b963-ffffffffffffffff")
        XCTAssertEqual(AuditSessionSink.eventID(session: "short", index: 10), "short-00000000000a")
    }
}

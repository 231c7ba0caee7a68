import Foundation
@testable import PosternService
import XCTest

/// The pure pieces of bastion mode: the /proc/net/tcp lookup, the SSH address a client reports,
/// and the wire format.
final class BastionPiecesTests: XCTestCase {
    static let table = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:A207 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 491411 1
           7: 0100007F:CEAE 0100007F:A207 01 00000000:00000000 00:00000000 00000000  1001        0 492971 2
           9: 0100007F:A207 0100007F:CEAE 01 00000000:00000000 00:00000000 00000000  1001        0 492972 1
          10: 0200007F:CEAE 0100007F:A207 01 00000000:00000000 00:00000000 00000000  1003        0 492999 1
          11: 0100007F:BEEF 0100007F:A207 06 00000000:00000000 00:00000000 00000000     0        0 0 3
        """

    func testOnlyTheExactEstablishedClientRowAnswers() {
        // The client socket 127.0.0.1:52910 -> 127.0.0.1:41479 is uid 1001's.
        XCTAssertEqual(LoopbackPeer.rows(in: Self.table, local: "0100007F:CEAE", remote: "0100007F:A207").map(\.uid), [1001])
        // Same ports from 127.0.0.2 (another user binding another loopback address) is another row.
        XCTAssertEqual(LoopbackPeer.rows(in: Self.table, local: "0200007F:CEAE", remote: "0100007F:A207").map(\.uid), [1003])
        // TIME_WAIT rows are not connections.
        XCTAssertEqual(LoopbackPeer.rows(in: Self.table, local: "0100007F:BEEF", remote: "0100007F:A207").count, 0)
        XCTAssertEqual(LoopbackPeer.hex(inet_addr("127.0.0.1"), port: UInt16(41479).bigEndian), "0100007F:A207")
        XCTAssertEqual(LoopbackPeer.mapped("0100007F:A207"), "0000000000000000FFFF00000100007F:A207")
    }

    func testTheReportedSSHAddressIsCheckedAndNothingElseKept() {
        XCTAssertEqual(BastionIdentity.sshAddress("192.0.2.7 50022 192.0.2.1 22"), "192.0.2.7:50022")
        XCTAssertEqual(BastionIdentity.sshAddress("2001:db8::7 50022 2001:db8::1 22"), "[2001:db8::7]:50022")
        XCTAssertNil(BastionIdentity.sshAddress("\u{1b}[31mevil 22 x 22"))
        XCTAssertNil(BastionIdentity.sshAddress("192.0.2.7 99999 x 22"))
        XCTAssertNil(BastionIdentity.sshAddress(nil))
    }

    func testRequestsRoundTripAndCarryNoIdentity() throws {
        let request = BastionRequest(op: .connect, db: "pg", dbUser: "alice", dbName: "app", sshClient: "1.2.3.4 5 6.7.8.9 22")
        let line = try BastionWire.encode(request)
        XCTAssertEqual(line.last, UInt8(ascii: "\n"))
        let text = String(decoding: line, as: UTF8.self)
        XCTAssertFalse(text.contains("\"user\""), "who asks is never part of a request: \(text)")
        XCTAssertEqual(try BastionWire.decode(BastionRequest.self, from: line.dropLast()), request)
    }
}

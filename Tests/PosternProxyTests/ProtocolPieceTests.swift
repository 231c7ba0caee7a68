import Foundation
import NIOCore
import PosternCore
import XCTest
@testable import PosternProxy

/// The protocol pieces on their own: SCRAM against RFC 7677's example, the framer's limits, the
/// server-side tracker across split reads, command tags.
final class ProtocolPieceTests: XCTestCase {
    // RFC 7677 section 3.
    let clientNonce = "rOprNGfwEbeRWgbNEkqO"
    let serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    let salt = Array(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ==") ?? Data())
    let clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    let serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

    func testSCRAMClientMatchesRFC7677() throws {
        var client = SCRAMClientExchange(password: "pencil", clientNonce: clientNonce, user: "user")
        XCTAssertEqual(client.clientFirst, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
        let serverFirst = "r=\(clientNonce)\(serverNonce),s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        XCTAssertEqual(try client.respond(serverFirst: serverFirst), clientFinal)
        XCTAssertNoThrow(try client.verify(serverFinal: serverFinal))
        XCTAssertThrowsError(try client.verify(serverFinal: "v=AAAA"))
    }

    func testSCRAMServerMatchesRFC7677AndRefusesAWrongProof() throws {
        let verifier = SCRAMVerifier(password: "pencil", salt: salt, iterations: 4096)
        var server = SCRAMServerExchange(verifier: verifier)
        let first = try server.start(clientFirst: "n,,n=user,r=\(clientNonce)", serverNonce: serverNonce)
        XCTAssertEqual(first, "r=\(clientNonce)\(serverNonce),s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        XCTAssertEqual(try server.finish(clientFinal: clientFinal), serverFinal)
        let wrong = clientFinal.replacingOccurrences(of: "p=dHzb", with: "p=dHzc")
        XCTAssertThrowsError(try server.finish(clientFinal: wrong))
        var binding = SCRAMServerExchange(verifier: verifier)
        XCTAssertThrowsError(try binding.start(clientFirst: "p=tls-server-end-point,,n=,r=abc")) { error in
            XCTAssertEqual(error as? SCRAMServerExchange.Failure, .channelBindingRequested)
        }
    }

    func testSCRAMClientAndServerAgreeWithLibpqStyleEmptyUser() throws {
        var server = SCRAMServerExchange(verifier: SCRAMVerifier(password: "s3cret"))
        var client = SCRAMClientExchange(password: "s3cret")
        let final = try client.respond(serverFirst: try server.start(clientFirst: client.clientFirst))
        XCTAssertNoThrow(try client.verify(serverFinal: try server.finish(clientFinal: final)))
    }

    func testFramerHoldsAuditedMessagesWholeAndStreamsTheRest() {
        var framer = PGFrontendFramer(maxAuditedMessage: 100)
        var query = ByteBuffer()
        query.writePGMessage(UInt8(ascii: "Q")) { $0.writeCString("select 1") }
        var copyData = ByteBuffer()
        copyData.writePGMessage(UInt8(ascii: "d")) { $0.writeBytes(Array(repeating: 7, count: 1000)) }
        var stream = query
        stream.writeImmutableBuffer(copyData)
        var forward: [ByteBuffer] = []
        var audited: [String] = []
        // Fed a few bytes at a time: the query comes out once whole, the copy data as it arrives.
        var offset = 0
        while offset < stream.readableBytes {
            let n = min(7, stream.readableBytes - offset)
            let piece = stream.getSlice(at: offset, length: n) ?? ByteBuffer()
            offset += n
            let outcome = framer.process(piece, forward: &forward, onAudited: { _, body in
                var b = body
                audited.append(b.readCString() ?? "?")
                return true
            }, onSync: {})
            XCTAssertEqual(outcome, .more)
        }
        XCTAssertEqual(audited, ["select 1"])
        var joined = ByteBuffer()
        for var f in forward { joined.writeBuffer(&f) }
        XCTAssertEqual(forward.map(\.readableBytes).reduce(0, +), stream.readableBytes, "\(forward.map(\.readableBytes))")
        XCTAssertEqual(joined.readableBytesView.elementsEqual(stream.readableBytesView), true)
    }

    func testFramerRefusesShortLengthsOversizedAndUnknownMessages() {
        func outcome(_ bytes: [UInt8], limit: Int = 16) -> PGFrontendFramer.Outcome {
            var framer = PGFrontendFramer(maxAuditedMessage: limit)
            var forward: [ByteBuffer] = []
            return framer.process(ByteBuffer(bytes: bytes), forward: &forward, onAudited: { _, _ in true }, onSync: {})
        }
        guard case .malformed(let short, let prefix) = outcome([UInt8(ascii: "Q")] + be32(3)) else { return XCTFail() }
        XCTAssertTrue(short.contains("below 4"))
        XCTAssertEqual(prefix, [UInt8(ascii: "Q")] + be32(3))
        guard case .malformed(let big, _) = outcome([UInt8(ascii: "Q")] + be32(4 + 17)) else { return XCTFail() }
        XCTAssertTrue(big.contains("exceeds the limit"))
        guard case .malformed(let unknown, _) = outcome([UInt8(ascii: "z")] + be32(4)) else { return XCTFail() }
        XCTAssertTrue(unknown.contains("unknown message type"))
        XCTAssertEqual(outcome([UInt8(ascii: "X")] + be32(4)), .terminate)
    }

    func testTrackerFindsStatementEndsAcrossSplitReads() {
        var stream = ByteBuffer()
        stream.writePGMessage(UInt8(ascii: "T")) { $0.writeBytes([0, 0]) }
        for i in 0..<3 { stream.writePGMessage(UInt8(ascii: "D")) { $0.writeString("row \(i)") } }
        stream.writePGMessage(UInt8(ascii: "C")) { $0.writeCString("SELECT 3") }
        stream.writePGMessage(UInt8(ascii: "Z")) { $0.writeInteger(UInt8(ascii: "I")) }
        for chunk in [1, 2, 3, 5, 64] {
            var tracker = PGBackendTracker()
            var seen: [String] = []
            var offset = 0
            while offset < stream.readableBytes {
                let n = min(chunk, stream.readableBytes - offset)
                tracker.scan(stream.getSlice(at: offset, length: n) ?? ByteBuffer()) { type, body in
                    seen.append("\(Character(Unicode.Scalar(type))):\(body.readableBytes)")
                }
                offset += n
            }
            XCTAssertEqual(seen, ["C:9", "Z:1"], "chunk \(chunk)")
        }
    }

    func testCommandTags() {
        func tag(_ s: String) -> (String?, Int?) {
            var b = ByteBuffer()
            b.writeCString(s)
            let parsed = PGStatementLedger.parseTag(b)
            return (parsed.tag, parsed.rows)
        }
        XCTAssertTrue(tag("INSERT 0 5") == ("INSERT 0 5", 5))
        XCTAssertTrue(tag("SELECT 1000000") == ("SELECT 1000000", 1_000_000))
        XCTAssertTrue(tag("COPY 20") == ("COPY 20", 20))
        XCTAssertTrue(tag("CREATE TABLE") == ("CREATE TABLE", nil))
        XCTAssertTrue(tag("BEGIN") == ("BEGIN", nil))
    }

    /// Parse is recorded in its audit form by the engine, its query's secrets masked as a Query's are.
    func testParseIsRecordedWithItsSecretsMasked() {
        var body = ByteBuffer()
        body.writeCString("s1")
        body.writeCString("alter role x password 'hunter2'")
        body.writeInteger(Int16(0))
        guard case .statement(.postgresParse(let parse))? = PGFrontendMessage.event(type: UInt8(ascii: "P"), body: body) else {
            return XCTFail("Parse is a statement event")
        }
        XCTAssertEqual(parse.statementName, "s1")
        XCTAssertFalse(parse.query.contains("hunter2"), parse.query)
        XCTAssertEqual(parse.query, AuditRedaction.sql("alter role x password 'hunter2'"))
    }

    func testBindParametersAreTextOrBase64() {
        var body = ByteBuffer()
        body.writeCString("portal")
        body.writeCString("stmt")
        body.writeInteger(Int16(3)); body.writeInteger(Int16(0)); body.writeInteger(Int16(1)); body.writeInteger(Int16(0))
        body.writeInteger(Int16(3))
        body.writeInteger(Int32(2)); body.writeString("hi")
        body.writeInteger(Int32(3)); body.writeBytes([0, 255, 16])
        body.writeInteger(Int32(-1))
        body.writeInteger(Int16(0))
        XCTAssertEqual(PGFrontendMessage.event(type: UInt8(ascii: "B"), body: body),
                       .statement(.postgresBind(.init(statementName: "stmt", portalName: "portal", parameters: ["hi", "AP8Q", ""]))))
        XCTAssertEqual(Base64.encode(Array("any carnal pleas".utf8)), "YW55IGNhcm5hbCBwbGVhcw==")
    }
}

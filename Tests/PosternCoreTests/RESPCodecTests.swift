import PosternCore
import XCTest

final class RESPCodecTests: XCTestCase {
    private func parse(_ text: String) throws -> [RESPValue] {
        try RESPParser.parseAll(Array(text.utf8))
    }

    /// Feeds `bytes` to a fresh parser in chunks of `size`, returning every value.
    private func parseChunked(_ bytes: [UInt8], size: Int, limits: RESPLimits = RESPLimits()) throws -> [RESPValue] {
        var parser = RESPParser(limits: limits)
        var out: [RESPValue] = []
        var i = 0
        while i < bytes.count {
            try parser.append(bytes[i..<min(i + size, bytes.count)])
            while let v = try parser.next() { out.append(v) }
            i += size
        }
        return out
    }

    func testRESP2Types() throws {
        XCTAssertEqual(try parse("+OK\r\n-ERR no\r\n:-7\r\n$5\r\nhe\r\no\r\n$0\r\n\r\n$-1\r\n*-1\r\n"),
                       [.simpleString("OK"), .error("ERR no"), .integer(-7), .bulkString(Array("he\r\no".utf8)),
                        .bulkString([]), .null, .null])
        XCTAssertEqual(try parse("*2\r\n*1\r\n:1\r\n$1\r\nx\r\n*0\r\n"),
                       [.array([.array([.integer(1)]), .bulk("x")]), .array([])])
    }

    func testRESP3Types() throws {
        let text = "%2\r\n+a\r\n:1\r\n$1\r\nb\r\n~1\r\n#t\r\n" + ",3.5\r\n,inf\r\n,-inf\r\n_\r\n#f\r\n"
            + "(12345678901234567890123\r\n=9\r\ntxt:hello\r\n>2\r\n$7\r\nmessage\r\n$1\r\nx\r\n"
            + "|1\r\n+ttl\r\n:10\r\n$1\r\nv\r\n!8\r\nERR blob\r\n"
        XCTAssertEqual(try parse(text), [
            .map([RESPPair(.simpleString("a"), .integer(1)), RESPPair(.bulk("b"), .set([.boolean(true)]))]),
            .double(3.5), .double(.infinity), .double(-.infinity), .null, .boolean(false),
            .bigNumber("12345678901234567890123"), .verbatim(format: "txt", text: Array("hello".utf8)),
            .push([.bulk("message"), .bulk("x")]),
            .attribute([RESPPair(.simpleString("ttl"), .integer(10))], .bulk("v")),
            .error("ERR blob"),
        ])
        guard case .double(let nan) = try parse(",nan\r\n")[0] else { return XCTFail("nan") }
        XCTAssertTrue(nan.isNaN)
    }

    func testEncodeRoundTripsInBothVersions() throws {
        let values: [RESPValue] = [
            .simpleString("OK"), .error("ERR x"), .integer(Int64.min), .bulkString([0, 13, 10, 255]), .null,
            .array([.integer(1), .array([])]), .map([RESPPair(.bulk("k"), .double(1.25))]), .set([.bulk("a")]),
            .boolean(true), .bigNumber("-99999999999999999999"), .verbatim(format: "mkd", text: Array("# hi".utf8)),
            .push([.bulk("pmessage")]), .attribute([RESPPair(.bulk("a"), .integer(1))], .integer(2)),
        ]
        for v in values {
            XCTAssertEqual(try RESPParser.parseAll(RESPEncoder.encode(v)), [v], "\(v)")
        }
        // RESP2 carries the same data in RESP2 types.
        XCTAssertEqual(String(decoding: RESPEncoder.encode(.map([RESPPair(.bulk("k"), .boolean(true))]), version: .resp2), as: UTF8.self),
                       "*2\r\n$1\r\nk\r\n:1\r\n")
        XCTAssertEqual(String(decoding: RESPEncoder.encode(.null, version: .resp2), as: UTF8.self), "$-1\r\n")
        XCTAssertEqual(String(decoding: RESPEncoder.encode(.double(2.5), version: .resp2), as: UTF8.self), "$3\r\n2.5\r\n")
        XCTAssertEqual(String(decoding: RESPEncoder.encode(.simpleString("a\r\nb")), as: UTF8.self), "+a  b\r\n")
        XCTAssertEqual(String(decoding: RESPEncoder.command(["SET", "k", "v"]), as: UTF8.self),
                       "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
    }

    func testEveryChunkingGivesTheSameValues() throws {
        var bytes: [UInt8] = []
        let values: [RESPValue] = [
            .array([.bulkString(Array(repeating: 7, count: 300)), .map([RESPPair(.bulk("a"), .set([.null]))])]),
            .attribute([RESPPair(.bulk("x"), .integer(1))], .push([.bulk("message"), .bulk("c"), .bulk("hi")])),
            .error("ERR e"), .integer(5), .verbatim(format: "txt", text: []),
        ]
        for v in values { RESPEncoder.encode(v, into: &bytes) }
        for size in [1, 2, 3, 7, 64, bytes.count] {
            XCTAssertEqual(try parseChunked(bytes, size: size), values, "chunk \(size)")
        }
    }

    func testScannerReportsBoundariesTypesErrorsAndHeads() throws {
        let text = "+OK\r\n-WRONGTYPE bad\r\n$-1\r\n*3\r\n$7\r\nMessage\r\n$1\r\nc\r\n$1\r\nx\r\n"
            + "|1\r\n+a\r\n+b\r\n:1\r\n>1\r\n$9\r\nsubscribe\r\n!3\r\nERR\r\n"
        let bytes = Array(text.utf8)
        var scanner = RESPScanner()
        var got: [(Int, RESPScanner.Message)] = []
        // One byte at a time: state must carry across every boundary.
        for k in bytes.indices {
            try bytes[k...k].withUnsafeBytes { b in try scanner.scan(b) { end, m in got.append((k + end, m)) } }
        }
        XCTAssertEqual(got.map(\.1.type), [.simpleString, .error, .null, .array, .integer, .push, .blobError])
        XCTAssertEqual(got.map(\.1.errorText), [nil, "WRONGTYPE bad", nil, nil, nil, nil, "ERR"])
        XCTAssertEqual(got.map(\.1.head), [nil, nil, nil, "message", nil, "subscribe", nil])
        XCTAssertEqual(got.last?.0, bytes.count)
        XCTAssertEqual(got.map(\.1.length).reduce(0, +), bytes.count)
        XCTAssertTrue(scanner.atBoundary)
    }

    func testLimitsBecomeTypedErrors() {
        let tight = RESPLimits(maxBulkLength: 100, maxDepth: 4, maxAggregateLength: 10, maxLineLength: 50,
                               maxMessageLength: 1000)
        func failure(_ text: String) -> RESPError? {
            var p = RESPParser(limits: tight)
            do {
                try p.append(Array(text.utf8))
                while try p.next() != nil {}
                return nil
            } catch { return error }
        }
        XCTAssertEqual(failure("$101\r\n"), .bulkTooLong(101))
        XCTAssertEqual(failure("*11\r\n"), .aggregateTooLong(11))
        XCTAssertEqual(failure("%6\r\n"), .aggregateTooLong(6))
        XCTAssertEqual(failure("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n"), .tooDeep(4))
        XCTAssertEqual(failure("+" + String(repeating: "a", count: 51)), .lineTooLong)
        XCTAssertEqual(failure("*10\r\n" + String(repeating: "$99\r\n" + String(repeating: "x", count: 99) + "\r\n", count: 10)),
                       .messageTooLarge)
        XCTAssertEqual(failure("@x\r\n"), .unknownType(64))
        XCTAssertEqual(failure("$-2\r\n"), .invalidLength)
        XCTAssertEqual(failure("$3\r\nabcd\r\n"), .missingCRLF)
        XCTAssertEqual(failure("+OK\n"), .missingCRLF)
        XCTAssertEqual(failure(":12a\r\n"), .invalidInteger)
        XCTAssertEqual(failure(":99999999999999999999\r\n"), .invalidInteger)
        XCTAssertEqual(failure("#x\r\n"), .invalidBoolean)
        XCTAssertEqual(failure(",1.x\r\n"), .invalidDouble)
        XCTAssertEqual(failure("=2\r\nab\r\n"), .invalidVerbatim)
        XCTAssertEqual(RESPError.bulkTooLong(5).description, "Protocol error: bulk length 5 exceeds the limit")
    }

    func testRenderingLikeRedisCLI() {
        let v = RESPValue.array([.bulk("a\"b"), .integer(3), .null, .array([.simpleString("OK"), .error("ERR x")]),
                                 .map([RESPPair(.bulk("k"), .boolean(true))]), .bulkString([0xff])])
        XCTAssertEqual(v.rendered(), """
        1) "a\\"b"
        2) (integer) 3
        3) (nil)
        4) 1) OK
           2) (error) ERR x
        5) 1# "k" => (true)
        6) "\\xff"
        """)
        XCTAssertEqual(RESPValue.array([]).rendered(), "(empty array)")
    }
}

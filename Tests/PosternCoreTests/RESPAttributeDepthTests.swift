import PosternCore
import XCTest

/// Each RESP3 attribute annotates the value after it, so a chain of them nests as deep as it is
/// long when decoded: attributes count against `maxDepth` like aggregates, and a long chain from
/// a hostile server is refused as too deep instead of overflowing the decoder's stack.
final class RESPAttributeDepthTests: XCTestCase {
    /// `|1 :1 :1` `count` times, then the annotated `:1`.
    static func chain(_ count: Int) -> [UInt8] {
        Array(String(repeating: "|1\r\n:1\r\n:1\r\n", count: count).utf8) + Array(":1\r\n".utf8)
    }

    /// Over a mebibyte: about 87,000 chained attributes.
    static let mebibyteChain = chain((1 << 20) / 12 + 1)

    func testAMebibyteAttributeChainIsRefusedByTheParser() {
        XCTAssertGreaterThan(Self.mebibyteChain.count, 1 << 20)
        for size in [Self.mebibyteChain.count, 4096, 1] {
            var parser = RESPParser()
            var failure: RESPError?
            var i = 0
            do {
                while i < Self.mebibyteChain.count {
                    try parser.append(Self.mebibyteChain[i..<min(i + size, Self.mebibyteChain.count)])
                    while try parser.next() != nil {}
                    i += size
                }
            } catch { failure = error }
            XCTAssertEqual(failure, .tooDeep(32), "chunks of \(size)")
            XCTAssertEqual(failure?.description, "Protocol error: nesting deeper than 32")
            // Refused within the first few hundred bytes, not after holding the whole chain.
            XCTAssertLessThan(i, 4096 + size)
        }
    }

    func testAMebibyteAttributeChainIsRefusedByTheRelaysScanner() {
        var scanner = RESPScanner(limits: .streaming)
        var messages = 0
        XCTAssertThrowsError(try Self.mebibyteChain.withUnsafeBytes { b in try scanner.scan(b) { _, _ in messages += 1 } }) {
            XCTAssertEqual($0 as? RESPError, .tooDeep(32))
        }
        XCTAssertEqual(messages, 0)
    }

    func testChainsWithinTheLimitDecodeAndCountWithTheirAggregates() throws {
        // 32 frames: 31 attributes around the value, or an array holding 31 attributes.
        var value = RESPValue.integer(1)
        for _ in 0..<31 { value = .attribute([RESPPair(.integer(1), .integer(1))], value) }
        XCTAssertEqual(try RESPParser.parseAll(Self.chain(31)), [value])
        XCTAssertEqual(try RESPParser.parseAll(Array("*1\r\n".utf8) + Self.chain(31)), [.array([value])])
        XCTAssertThrowsError(try RESPParser.parseAll(Self.chain(33))) { XCTAssertEqual($0 as? RESPError, .tooDeep(32)) }
        XCTAssertThrowsError(try RESPParser.parseAll(Array("*1\r\n".utf8) + Self.chain(32))) {
            XCTAssertEqual($0 as? RESPError, .tooDeep(32))
        }
    }

    /// What the relay learns of an annotated message is what it learns of the value: its type,
    /// error text and pub/sub head, at the top level and inside an array.
    func testAnnotatedValuesAreReportedAsTheValue() throws {
        let text = "|1\r\n+ttl\r\n:3\r\n|0\r\n-ERR annotated\r\n" + "|1\r\n+a\r\n+b\r\n>2\r\n$7\r\nmessage\r\n$1\r\nc\r\n"
            + "*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n" + "|1\r\n+k\r\n*1\r\n$9\r\nsubscribe\r\n+OK\r\n"
        let bytes = Array(text.utf8)
        var scanner = RESPScanner()
        var got: [RESPScanner.Message] = []
        for k in bytes.indices {
            try bytes[k...k].withUnsafeBytes { b in try scanner.scan(b) { _, m in got.append(m) } }
        }
        XCTAssertEqual(got.map(\.type), [.error, .push, .array, .simpleString])
        XCTAssertEqual(got.map(\.errorText), ["ERR annotated", nil, nil, nil])
        // An array inside an attribute's pairs is not the message: its first element is no head.
        XCTAssertEqual(got.map(\.head), [nil, "message", nil, nil])
        XCTAssertEqual(got.map(\.length).reduce(0, +), bytes.count)
        XCTAssertTrue(scanner.atBoundary)
        XCTAssertEqual(try RESPParser.parseAll(bytes).count, 4)
    }
}

import PosternCore
import XCTest

final class RESPCommandParserTests: XCTestCase {
    /// Every command in `text`, as strings, fed `size` bytes at a time the way a proxy holds input.
    private func commands(_ text: String, size: Int = .max, limits: RESPLimits = RESPLimits()) throws -> [[String]] {
        try commands(Array(text.utf8), size: size, limits: limits)
    }

    private func commands(_ bytes: [UInt8], size: Int = .max, limits: RESPLimits = RESPLimits()) throws -> [[String]] {
        var parser = RESPCommandParser(limits: limits)
        var held: [UInt8] = []
        var out: [[String]] = []
        var i = 0
        while i < bytes.count {
            let end = size >= bytes.count - i ? bytes.count : i + size
            held.append(contentsOf: bytes[i..<end])
            i = end
            while true {
                let got = try held.withUnsafeBytes { b throws(RESPError) -> (Int, [String])? in
                    guard let c = try parser.parse(b) else { return nil }
                    return (c.length, c.strings(in: b))
                }
                guard let (length, args) = got else { break }
                held.removeFirst(length)
                if !args.isEmpty { out.append(args) }
            }
        }
        XCTAssertTrue(held.isEmpty, "bytes left over")
        return out
    }

    func testMultibulkPipelineInAnyChunking() throws {
        let text = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\r\nbc\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*0\r\n*1\r\n$4\r\nPING\r\n"
        let want = [["SET", "k", "a\r\nbc"], ["GET", "k"], ["PING"]]
        for size in [1, 2, 5, 13, 1000] { XCTAssertEqual(try commands(text, size: size), want, "chunk \(size)") }
    }

    func testInlineCommandsSplitLikeRedis() throws {
        XCTAssertEqual(try commands("PING\r\nset k  \"a b\\x41\\n\"\nGET 'it\\'s'\r\n\r\n"),
                       [["PING"], ["set", "k", "a bA\n"], ["GET", "it's"]])
        XCTAssertThrowsError(try commands("SET \"a\r\n")) { XCTAssertEqual($0 as? RESPError, .unbalancedQuotes) }
        XCTAssertThrowsError(try commands("SET \"a\"b\r\n")) { XCTAssertEqual($0 as? RESPError, .unbalancedQuotes) }
    }

    func testArgumentRangesPointIntoTheInput() throws {
        let bytes = Array("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n".utf8)
        var parser = RESPCommandParser()
        let c = try bytes.withUnsafeBytes { b throws(RESPError) in try parser.parse(b) }
        XCTAssertEqual(c?.arguments, .ranges([8..<11, 17..<20]))
        XCTAssertEqual(c?.length, bytes.count)
    }

    func testAbuseIsATypedError() {
        let limits = RESPLimits(maxBulkLength: 1000, maxAggregateLength: 100, maxLineLength: 100, maxMessageLength: 1500)
        func failure(_ text: String) -> RESPError? {
            do { _ = try commands(text, limits: limits); return nil } catch { return error as? RESPError }
        }
        XCTAssertEqual(failure("*101\r\n"), .invalidMultibulkLength)
        XCTAssertEqual(failure("*x\r\n"), .invalidMultibulkLength)
        XCTAssertEqual(failure("*1\r\n$1001\r\n"), .bulkTooLong(1001))
        XCTAssertEqual(failure("*3\r\n$900\r\n" + String(repeating: "a", count: 900) + "\r\n$900\r\n"), .messageTooLarge)
        XCTAssertEqual(failure("*1\r\n$-1\r\n"), .invalidLength)
        XCTAssertEqual(failure("*1\r\n:1\r\n"), .expectedBulk(58))
        XCTAssertEqual(failure("*1\r\n$1\r\nab\r\n"), .missingCRLF)
        XCTAssertEqual(failure("*1\r\n$" + String(repeating: "9", count: 40)), .invalidLength)
        XCTAssertEqual(failure(String(repeating: "a", count: 150)), .lineTooLong)
    }
}

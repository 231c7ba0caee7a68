import Foundation
import PosternCore
import XCTest

/// Malformed and random input never crashes the codec and never makes it hold more than its
/// limits allow: the committed corpus (Tests/Corpus/resp, made by make-corpus.py) plus a
/// seeded in-process mutation run.
final class RESPFuzzTests: XCTestCase {
    static let limits = RESPLimits(maxBulkLength: 1 << 20, maxDepth: 32, maxAggregateLength: 1 << 16,
                                   maxLineLength: 64 << 10, maxMessageLength: 4 << 20)

    static var corpus: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/resp")
    }

    /// Runs every decoder over `bytes` in chunks of `size`; they must stop with a value, a
    /// typed error or a request for more, holding at most the message limit.
    private func exercise(_ bytes: [UInt8], size: Int) {
        let limits = Self.limits
        var parser = RESPParser(limits: limits)
        var scanner = RESPScanner(limits: limits)
        var commands = RESPCommandParser(limits: limits)
        var held: [UInt8] = []
        var parsed = 0  // bytes of `held` already parsed (dropped in bulk: the chained-attribute case is 1 MiB of lines)
        var parserFailed = false, scannerFailed = false, commandsFailed = false
        var i = 0
        while i < bytes.count {
            let chunk = Array(bytes[i..<min(i + size, bytes.count)])
            i += size
            if !parserFailed {
                do {
                    try parser.append(chunk)
                    while try parser.next() != nil {}
                } catch { parserFailed = true }
                XCTAssertLessThanOrEqual(parser.bufferedBytes, limits.maxMessageLength + size)
            }
            if !scannerFailed {
                do { try chunk.withUnsafeBytes { b in try scanner.scan(b) { _, _ in } } } catch { scannerFailed = true }
            }
            if !commandsFailed {
                held.append(contentsOf: chunk)
                do {
                    while let c = try held.withUnsafeBytes({ b throws(RESPError) in
                        try commands.parse(UnsafeRawBufferPointer(rebasing: b[parsed...]))
                    }) {
                        parsed += c.length
                    }
                } catch { commandsFailed = true }
                held.removeFirst(parsed)
                parsed = 0
                XCTAssertLessThanOrEqual(held.count, limits.maxMessageLength + size)
            }
        }
    }

    func testCorpusNeverCrashes() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.corpus, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "bin" }
        XCTAssertGreaterThan(files.count, 50, "the corpus is missing: run Tests/Corpus/resp/make-corpus.py")
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: file))
            for size in [1, 3, 4096, max(bytes.count, 1)] { exercise(bytes, size: size) }
        }
    }

    func testAbuseCasesAreRefusedNotHeld() throws {
        for name in ["huge-bulk", "huge-array", "huge-map", "deep-nesting", "long-line", "overflow-int", "chained-attributes"] {
            let bytes = [UInt8](try Data(contentsOf: Self.corpus.appendingPathComponent("abuse-\(name).bin")))
            var parser = RESPParser(limits: Self.limits)
            XCTAssertThrowsError(try parser.append(bytes), name)
        }
    }

    func testSeededRandomMutations() {
        var rng = SplitMix(seed: 0x5EED)
        let seeds: [RESPValue] = [
            .array([.bulk("SET"), .bulk("key"), .bulkString(Array(repeating: 120, count: 40))]),
            .map([RESPPair(.bulk("server"), .bulk("redis")), RESPPair(.bulk("proto"), .integer(3))]),
            .push([.bulk("message"), .bulk("ch"), .bulk("payload")]), .double(-1.5), .bigNumber("123"),
            .attribute([RESPPair(.bulk("k"), .set([.boolean(false)]))], .verbatim(format: "txt", text: [65])),
        ]
        let alphabet = Array("\r\n*$:-+%~>|_,#(=!0123456789".utf8)
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0...(rng.next() % 4) { RESPEncoder.encode(seeds[Int(rng.next() % UInt64(seeds.count))], into: &bytes) }
            for _ in 0...(rng.next() % 6) {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                default: bytes.remove(at: at)
                }
                if bytes.isEmpty { bytes = [42] }
            }
            exercise(bytes, size: 1 + Int(rng.next() % 16))
        }
    }
}

/// A tiny deterministic generator, so a failure reproduces.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@testable import PosternCore
import XCTest

/// `parallelMap` (long `play`s): the results of `map`, in order, and `map`'s error.
final class ParallelMapTests: XCTestCase {
    struct Boom: Error, Equatable { let at: Int }

    func testResultsAreMapsInOrderWhateverTheSlices() throws {
        for count in [0, 1, 2, 3, 17, 10_000] {
            let items = Array(0..<count)
            for minimum in [1, 2, 5000, 0] {
                XCTAssertEqual(try items.parallelMap(minimumPerThread: minimum) { $0 * 3 }, items.map { $0 * 3 }, "\(count) by \(minimum)")
            }
        }
    }

    /// Several slices throw: the error is the earliest element's, as a plain `map` would throw.
    func testTheEarliestErrorIsThrown() {
        let items = Array(0..<10_000)
        for _ in 0..<20 {
            XCTAssertThrowsError(try items.parallelMap(minimumPerThread: 1) { n -> Int in
                if n == 4000 || n == 9000 { throw Boom(at: n) }
                return n
            }) { XCTAssertEqual($0 as? Boom, Boom(at: 4000)) }
        }
    }

    func testTimesAtTheEndsOfTheRangeReadBack() {
        for nanos in [Int64.min, Int64.min + 1, -1_000_000_001, -1, 0, Int64.max] {
            XCTAssertEqual(AuditTime(rfc3339: AuditTime(nanoseconds: nanos).rfc3339)?.nanoseconds, nanos)
        }
        XCTAssertNil(AuditTime(rfc3339: "1677-09-21T00:12:43.145224191Z"), "a nanosecond before Int64's range")
    }
}

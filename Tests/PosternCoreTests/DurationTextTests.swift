import PosternCore
import XCTest

/// Durations stop where Go's do (Int64 nanoseconds): past that they are too long, never a trap
/// in whoever sleeps for them or subtracts them from a time.
final class DurationTextTests: XCTestCase {
    func testGosLongestDurationIsTheLimit() throws {
        XCTAssertEqual(try DurationText.nanoseconds("2562047h47m16s854ms"), 9_223_372_036_854_000_000)
        XCTAssertEqual(try DurationText.nanoseconds("2562047h"), 2_562_047 * 3_600_000_000_000)
        XCTAssertEqual(DurationText.parse("2562047h"), .seconds(2_562_047 * 3600))
        for long in ["2562048h", "2562047h47m17s", "9223372036854775807ms", "153722868m", "99999999999999999999h",
                     "1h99999999999999999999s"] {
            XCTAssertThrowsError(try DurationText.nanoseconds(long), long) { XCTAssertEqual($0 as? DurationText.Problem, .tooLong, long) }
            XCTAssertNil(DurationText.parse(long), long)
        }
    }

    func testDaysOnlyWhereAsked() throws {
        XCTAssertEqual(try DurationText.nanoseconds("7d", days: true), 7 * 86_400_000_000_000)
        XCTAssertEqual(DurationText.parse("1d12h", days: true), .seconds(129_600))
        XCTAssertEqual(try DurationText.nanoseconds("106751d", days: true), 106_751 * 86_400_000_000_000)
        XCTAssertThrowsError(try DurationText.nanoseconds("106752d", days: true)) {
            XCTAssertEqual($0 as? DurationText.Problem, .tooLong)
        }
        XCTAssertThrowsError(try DurationText.nanoseconds("99999999999999d", days: true)) {
            XCTAssertEqual($0 as? DurationText.Problem, .tooLong)
        }
        XCTAssertThrowsError(try DurationText.nanoseconds("7d")) { XCTAssertEqual($0 as? DurationText.Problem, .malformed) }
        for bad in ["", "d", "1.5d", "-1d", "1 d", "1dd", "1y"] {
            XCTAssertThrowsError(try DurationText.nanoseconds(bad, days: true), bad) {
                XCTAssertEqual($0 as? DurationText.Problem, .malformed, bad)
            }
        }
    }
}

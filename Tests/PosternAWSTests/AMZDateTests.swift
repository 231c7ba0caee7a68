import Foundation
import XCTest

@testable import PosternAWS

final class AMZDateTests: XCTestCase {
    func testFormatsUTCWithoutDateFormatter() {
        XCTAssertEqual(AMZDate(Date(timeIntervalSince1970: 0)).dateTime, "19700101T000000Z")
        XCTAssertEqual(AMZDate(Date(timeIntervalSince1970: 1_440_938_160)).dateTime, "20150830T123600Z")
        XCTAssertEqual(AMZDate(Date(timeIntervalSince1970: 1_440_938_160)).date, "20150830")
        XCTAssertEqual(AMZDate(Date(timeIntervalSince1970: 951_782_400)).dateTime, "20000229T000000Z")
        XCTAssertEqual(AMZDate(Date(timeIntervalSince1970: 4_107_542_400)).dateTime, "21000301T000000Z")
        XCTAssertEqual(AMZDate(Date(timeIntervalSince1970: 253_402_300_799)).dateTime, "99991231T235959Z")
        XCTAssertEqual(AMZDate(Date(timeIntervalSince1970: 1_709_251_199)).iso8601, "2024-02-29T23:59:59Z")
    }

    func testFractionsAreTruncatedLikeStrftime() {
        XCTAssertEqual(AMZDate(Date(timeIntervalSince1970: 1_709_251_199.999)).dateTime, "20240229T235959Z")
        XCTAssertEqual(AMZDate(Date(timeIntervalSince1970: -0.5)).dateTime, "19691231T235959Z")
        XCTAssertEqual(AMZDate(Date(timeIntervalSince1970: -86_400)).dateTime, "19691231T000000Z")
    }
}

import Foundation
import XCTest

@testable import PosternAWS

final class SigV4CanonicalTests: XCTestCase {
    func testPathNormalisation() {
        XCTAssertEqual(SigV4Canonical.path(""), "/")
        XCTAssertEqual(SigV4Canonical.path("/"), "/")
        XCTAssertEqual(SigV4Canonical.path("//"), "/")
        XCTAssertEqual(SigV4Canonical.path("/./"), "/")
        XCTAssertEqual(SigV4Canonical.path("/a/./b/../c/"), "/a/c/")
        XCTAssertEqual(SigV4Canonical.path("/a//b"), "/a/b")
        XCTAssertEqual(SigV4Canonical.path("/../.."), "/")
        XCTAssertEqual(SigV4Canonical.path("/foo/.."), "/", "no trailing slash once nothing is left")
        XCTAssertEqual(SigV4Canonical.path("/example space/"), "/example%20space/")
    }

    func testQueryIsSortedByEncodedNameThenValue() {
        let query = SigV4Canonical.query([
            AWSQueryItem("b", "2"), AWSQueryItem("a", "z"), AWSQueryItem("a", "y"), AWSQueryItem("B", "1"),
            AWSQueryItem("a b", ""), AWSQueryItem("a~", "x"),
        ])
        // Byte order: 'B' (0x42) < 'a' (0x61); "a%20b" < "a" + "~"; "a" < "a%20b".
        XCTAssertEqual(query, "B=1&a=y&a=z&a%20b=&a~=x&b=2")
    }

    func testHeaderValuesAreTrimmedAndCollapsed() {
        XCTAssertEqual("  a   b \t c  ".collapsingPythonWhitespace(), "a b c")
        XCTAssertEqual("\u{1C}x\u{A0}y\u{2003}".collapsingPythonWhitespace(), "x y")
        XCTAssertEqual("   ".collapsingPythonWhitespace(), "")
        XCTAssertEqual(" Host ".trimmingPythonWhitespace(), "Host")
    }

    func testSignedHostLeavesOutTheDefaultPortOnly() {
        func host(_ scheme: String, _ port: Int?) -> String {
            SigV4Canonical.signedHost(of: SigV4Request(method: "GET", scheme: scheme, host: "Db.Example.COM", port: port))
        }
        XCTAssertEqual(host("https", nil), "db.example.com")
        XCTAssertEqual(host("https", 443), "db.example.com")
        XCTAssertEqual(host("https", 5432), "db.example.com:5432")
        XCTAssertEqual(host("http", 80), "db.example.com")
        XCTAssertEqual(host("http", 443), "db.example.com:443")
    }

    func testUnsignedHeadersAreLeftOutAndRepeatsJoined() {
        let request = SigV4Request(
            method: "GET", host: "h",
            headers: [
                AWSHeader("User-Agent", "x"), AWSHeader("X-A", "1"), AWSHeader("x-a", " 2 "),
                AWSHeader("Transfer-Encoding", "chunked"),
            ])
        let headers = SigV4Canonical.headers(of: request)
        XCTAssertEqual(headers.map(\.name), ["host", "x-a"])
        XCTAssertEqual(headers.map(\.value), ["h", "1,2"])
    }
}

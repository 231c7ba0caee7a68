import XCTest

@testable import PosternAWS

final class AWSURIEncodingTests: XCTestCase {
    func testUnreservedCharactersStayAsTheyAre() {
        let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
        XCTAssertEqual(AWSURIEncoding.encode(unreserved), unreserved)
        XCTAssertEqual(AWSURIEncoding.encode(""), "")
    }

    func testReservedAndFormCharactersAreEncoded() {
        XCTAssertEqual(AWSURIEncoding.encode(" "), "%20", "space is %20, never +")
        XCTAssertEqual(AWSURIEncoding.encode("+"), "%2B")
        XCTAssertEqual(AWSURIEncoding.encode("*"), "%2A", "form encoders leave * alone; SigV4 does not")
        XCTAssertEqual(AWSURIEncoding.encode("@"), "%40")
        XCTAssertEqual(AWSURIEncoding.encode("="), "%3D")
        XCTAssertEqual(AWSURIEncoding.encode("/"), "%2F")
        XCTAssertEqual(AWSURIEncoding.encode(":"), "%3A")
        XCTAssertEqual(AWSURIEncoding.encode("%"), "%25")
        XCTAssertEqual(AWSURIEncoding.encode("&?#[]!$'(),;"), "%26%3F%23%5B%5D%21%24%27%28%29%2C%3B")
        XCTAssertEqual(AWSURIEncoding.encode("a\tb\nc"), "a%09b%0Ac")
    }

    func testHexIsUpperCaseAndUTF8BytesAreEncodedOneByOne() {
        XCTAssertEqual(AWSURIEncoding.encode("é"), "%C3%A9")
        XCTAssertEqual(AWSURIEncoding.encode("✓"), "%E2%9C%93")
        XCTAssertEqual(AWSURIEncoding.encode("🔑"), "%F0%9F%94%91")
        // A decomposed é is two scalars and is encoded as such, not normalised.
        XCTAssertEqual(AWSURIEncoding.encode("e\u{301}"), "e%CC%81")
    }

    func testPathEncodingKeepsSlashesOnly() {
        XCTAssertEqual(AWSURIEncoding.encodePath("/a b/c+d/~e/"), "/a%20b/c%2Bd/~e/")
        XCTAssertEqual(AWSURIEncoding.encodePath("/a%20b"), "/a%2520b", "the second encoding of non-S3 paths")
    }

    func testTokenCharactersEncodeAsBotocoreDoes() {
        XCTAssertEqual(AWSURIEncoding.encode("abc/+def=="), "abc%2F%2Bdef%3D%3D")
        XCTAssertEqual(AWSURIEncoding.encode("app+reader@corp"), "app%2Breader%40corp")
    }
}

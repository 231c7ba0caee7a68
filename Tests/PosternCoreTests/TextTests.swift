import PosternCore
import XCTest

final class TextTests: XCTestCase {
    func testSanitizerEscapesControlAndBidiCharacters() {
        XCTAssertEqual(TextSanitizer.escape("plain-name_1"), "plain-name_1")
        XCTAssertEqual(TextSanitizer.escape("evil\u{1B}[2Jdb"), "evil\\e[2Jdb")
        XCTAssertEqual(TextSanitizer.escape("a\nb\tc\rd\u{7}"), "a\\nb\\tc\\rd\\u{7}")
        XCTAssertEqual(TextSanitizer.escape("\u{9B}31m"), "\\u{9B}31m")
        XCTAssertEqual(TextSanitizer.escape("abc\u{202E}fed"), "abc\\u{202E}fed")
        XCTAssertEqual(TextSanitizer.escape("日本語 ✓"), "日本語 ✓")
    }

    func testDisplayWidth() {
        XCTAssertEqual(DisplayWidth.of("abc"), 3)
        XCTAssertEqual(DisplayWidth.of("日本"), 4)
        XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1)
        XCTAssertEqual(DisplayWidth.of("🚀"), 2)
        XCTAssertEqual(DisplayWidth.of("한국어"), 6)
    }

    func testTextTableAlignsByDisplayWidthAndSanitises() {
        let t = TextTable(headers: ["Name", "Labels"], rows: [["日本", "a=b"], ["x\u{1B}y", "c=d"]]).render()
        XCTAssertEqual(t, """
        Name Labels
        ---- ------
        日本 a=b
        x\\ey c=d

        """)
    }
}

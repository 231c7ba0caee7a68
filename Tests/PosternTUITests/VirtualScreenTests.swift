import XCTest
@testable import PosternTUI

final class VirtualScreenTests: XCTestCase {
    func testWideCharactersTakeTwoCells() {
        var s = VirtualScreen(width: 10, height: 1)
        let end = s.put("売上db", x: 0, y: 0, style: .plain)
        XCTAssertEqual(end, 6)
        XCTAssertEqual(s[0, 0].width, 2)
        XCTAssertEqual(s[1, 0].width, 0)
        XCTAssertEqual(s[2, 0].text, "上")
        XCTAssertEqual(s.text, "売上db")
    }

    func testWideCharacterNeverSplitAtTheClipEdge() {
        var s = VirtualScreen(width: 10, height: 1)
        s.put("ab売上", x: 0, y: 0, style: .plain, clip: Rect(x: 0, y: 0, width: 5, height: 1))
        XCTAssertEqual(s.text(row: 0), "ab売 " + "     ")
        XCTAssertEqual(s[4, 0], .blank(.plain), "the half that does not fit is a space")
        // At the left edge too: the right half of a cut character is a space.
        var t = VirtualScreen(width: 6, height: 1)
        t.put("売上x", x: -1, y: 0, style: .plain)
        XCTAssertEqual(t.text, " 上x")
    }

    func testEmojiAndEllipsis() {
        var s = VirtualScreen(width: 8, height: 1)
        s.put("🚀🚀🚀🚀🚀", x: 0, y: 0, style: .plain, ellipsis: true)
        XCTAssertEqual(s.text, "🚀🚀🚀 …", "3 rockets (6 cells), no half rocket, then the ellipsis")
        var t = VirtualScreen(width: 8, height: 1)
        t.put("abcdefghij", x: 0, y: 0, style: .plain, ellipsis: true)
        XCTAssertEqual(t.text, "abcdefg…")
        var u = VirtualScreen(width: 8, height: 1)
        u.put("abcdefgh", x: 0, y: 0, style: .plain, ellipsis: true)
        XCTAssertEqual(u.text, "abcdefgh", "exactly fitting text keeps its last character")
    }

    func testOverwritingHalfAWideCharacterClearsTheOtherHalf() {
        var s = VirtualScreen(width: 6, height: 1)
        s.put("売上", x: 0, y: 0, style: .plain)
        s.put("x", x: 1, y: 0, style: .plain)
        XCTAssertEqual(s.text, " x上")
        s.put("y", x: 2, y: 0, style: .plain)
        XCTAssertEqual(s.text, " xy")
        XCTAssertEqual(s[3, 0], .blank(.plain))
    }

    func testControlCharactersAreDrawnEscaped() {
        var s = VirtualScreen(width: 30, height: 1)
        s.put("evil\u{1B}[31mred\u{7}\n\u{202E}x", x: 0, y: 0, style: .plain)
        XCTAssertEqual(s.text, "evil\\e[31mred\\u{7}\\n\\u{202E}x")
        XCTAssertFalse(s.cells.contains { $0.text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
    }

    func testCombiningMarksJoinTheirBase() {
        var s = VirtualScreen(width: 5, height: 1)
        s.put("e\u{301}x", x: 0, y: 0, style: .plain)
        XCTAssertEqual(s[0, 0].text, "e\u{301}")
        XCTAssertEqual(s[1, 0].text, "x")
    }

    func testWideCharacterInTheLastColumnBecomesASpace() {
        var s = VirtualScreen(width: 3, height: 1)
        s.put("ab売", x: 0, y: 0, style: .plain)
        XCTAssertEqual(s.text, "ab")
        XCTAssertEqual(s[2, 0], .blank(.plain))
    }
}

final class TextLineTests: XCTestCase {
    func testWrapsAtSpacesUnderTheValueColumn() {
        let line = TextLine([("key  ", .key), ("one two three four", .normal)])
        XCTAssertEqual(line.wrapped(width: 14, indent: 5).map(\.plain), ["key  one two", "     three", "     four"])
        XCTAssertEqual(line.wrapped(width: 80, indent: 5).map(\.plain), ["key  one two three four"])
    }

    func testCutsLongWordsWithoutSplittingWideCharacters() {
        let line = TextLine([("売上売上売上", .normal)])
        XCTAssertEqual(line.wrapped(width: 5, indent: 0).map(\.plain), ["売上", "売上", "売上"])
        XCTAssertEqual(TextLine([("abcdefgh", .normal)]).wrapped(width: 5, indent: 2).map(\.plain), ["abcde", "  fgh"])
    }
}

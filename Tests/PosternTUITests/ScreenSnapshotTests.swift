import XCTest
@testable import PosternTUI

final class ScreenSnapshotTests: XCTestCase {
    let renderer = ConsoleRenderer(theme: .monochrome)

    func testBrowser80x24() {
        Snapshot.assert(renderer.render(Fixtures.state(width: 80, height: 24)), named: "browser-80x24")
    }

    func testBrowser120x40() {
        Snapshot.assert(renderer.render(Fixtures.state(width: 120, height: 40)), named: "browser-120x40")
    }

    func testFilterLineWithCount() {
        let s = Fixtures.press(Fixtures.state(), [.char("/")] + Fixtures.type("env=prod"))
        let screen = renderer.render(s)
        Snapshot.assert(screen, named: "filter-env-prod-80x24")
        XCTAssertTrue(screen.text(row: 23).hasPrefix("/env=prod"))
        XCTAssertTrue(screen.text(row: 23).hasSuffix(" 4/8 "))
        XCTAssertEqual(screen.cursor, Point(x: 9, y: 23))
    }

    func testFilterErrorInline() {
        let s = Fixtures.press(Fixtures.state(), [.char("/")] + Fixtures.type("team=~(web"))
        Snapshot.assert(renderer.render(s), named: "filter-error-80x24")
    }

    func testKeptFilterAndLabelSelector120x40() {
        let s = Fixtures.press(Fixtures.state(width: 120, height: 40), [.char("/")] + Fixtures.type("env=prod,team!=search") + [.enter])
        Snapshot.assert(renderer.render(s), named: "filter-kept-120x40")
    }

    func testDetailsOfAnAWSDatabase() {
        let s = Fixtures.press(Fixtures.state(width: 120, height: 40), Fixtures.type("jjjj") + [.tab])
        XCTAssertEqual(s.selectedRow?.database.name, "reporting-aurora")
        Snapshot.assert(renderer.render(s), named: "details-aws-120x40")
    }

    func testDetailsExplainDeniedUsers80x24() {
        let s = Fixtures.press(Fixtures.state(), Fixtures.type("jjj") + [.tab, .char("j")])
        let text = renderer.render(s).text
        Snapshot.assert(renderer.render(s), named: "details-scrolled-80x24")
        XCTAssertTrue(text.contains("✗ postgres"))
        XCTAssertTrue(text.contains("password from a file"), "where the secret comes from, never the secret")
        XCTAssertFalse(text.contains("/secrets/pg.password"))
    }

    func testHelp80x24And120x40() {
        Snapshot.assert(renderer.render(Fixtures.press(Fixtures.state(), [.char("?")])), named: "help-80x24")
        Snapshot.assert(renderer.render(Fixtures.press(Fixtures.state(width: 120, height: 40), [.char("?")])), named: "help-120x40")
    }

    func testWideCharactersAndEscapedName() {
        let s = Fixtures.press(Fixtures.state(), [.char("G")])
        let screen = renderer.render(s)
        Snapshot.assert(screen, named: "wide-and-escaped-80x24")
        XCTAssertTrue(screen.text.contains("evil\\e[31mred"))
        XCTAssertTrue(screen.text.contains("売上-db"))
        XCTAssertFalse(screen.cells.contains { $0.text.unicodeScalars.contains { $0.value == 0x1B } })
    }

    func testStatusMessages() {
        let s = Fixtures.press(Fixtures.state(), [.enter])
        XCTAssertTrue(renderer.render(s).text(row: 23).contains("this console has no proxy"))
    }

    /// The monochrome theme (what a terminal without colours gets): nothing but attributes, and the
    /// selection still stands out. NO_COLOR itself is tested end to end (ConsoleEndToEndTests).
    func testMonochromeDrawsAttributesOnly() {
        let screen = renderer.render(Fixtures.state())
        XCTAssertTrue(screen.cells.allSatisfy { $0.style.fg == .default && $0.style.bg == .default })
        XCTAssertTrue(screen.row(2).allSatisfy { $0.style.attributes.contains(.reverse) }, "selected row reversed")
        XCTAssertTrue(screen.row(1).allSatisfy { $0.style.attributes.contains(.bold) }, "header bold")
    }

    func testNoColorRequestedWhenSetAndNotEmpty() {
        XCTAssertEqual(ColorDepth(colors: 256, noColor: true), .none)
        XCTAssertTrue(ColorDepth.noColorRequested(["NO_COLOR": "1"]))
        XCTAssertFalse(ColorDepth.noColorRequested(["NO_COLOR": ""]))
        XCTAssertFalse(ColorDepth.noColorRequested([:]))
    }

    func testAnySizeRenders() {
        for (w, h) in [(1, 1), (2, 2), (10, 3), (20, 5), (40, 10), (79, 23), (200, 60)] {
            for keys: [Key] in [[], [.char("?")], [.char("/")], [.tab]] {
                let screen = renderer.render(Fixtures.press(Fixtures.state(width: w, height: h), keys))
                XCTAssertEqual(screen.cells.count, w * h)
            }
        }
    }
}

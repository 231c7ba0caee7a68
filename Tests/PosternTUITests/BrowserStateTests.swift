import PosternCore
import XCTest
@testable import PosternTUI

final class BrowserStateTests: XCTestCase {
    func testStartsSortedByNameWithFirstSelected() {
        let s = Fixtures.state()
        XCTAssertEqual(Fixtures.names(s), Fixtures.databases.map(\.name).sorted {
            TextSanitizer.escape($0) < TextSanitizer.escape($1)
        })
        XCTAssertEqual(s.browser.selected, 0)
        XCTAssertEqual(s.openSessions, 0)
    }

    func testMotions() {
        var s = Fixtures.state()
        s = Fixtures.press(s, [.char("j"), .down, .char("j")])
        XCTAssertEqual(s.browser.selected, 3)
        s = Fixtures.press(s, [.char("k")])
        XCTAssertEqual(s.browser.selected, 2)
        s = Fixtures.press(s, [.char("G")])
        XCTAssertEqual(s.browser.selected, 7)
        s = Fixtures.press(s, [.down])
        XCTAssertEqual(s.browser.selected, 7, "stops at the end")
        s = Fixtures.press(s, [.char("g"), .up])
        XCTAssertEqual(s.browser.selected, 0)
        s = Fixtures.press(s, [.pageDown])
        XCTAssertEqual(s.browser.selected, 7)
        s = Fixtures.press(s, [.pageUp])
        XCTAssertEqual(s.browser.selected, 0)
    }

    func testScrollKeepsSelectionOnScreen() {
        let many = (0..<100).map { Database(name: String(format: "db-%03d", $0), protocol: .postgres, uri: "h:1") }
        var s = Fixtures.state(width: 80, height: 24, many)
        let rows = s.layout.listRows
        s = Fixtures.press(s, Array(repeating: .char("j"), count: rows + 3))
        XCTAssertEqual(s.browser.selected, rows + 3)
        XCTAssertEqual(s.browser.scroll, 4)
        s = Fixtures.press(s, [.char("G")])
        XCTAssertEqual(s.browser.scroll, 100 - rows)
        s = ConsoleReducer.reduce(s, .resize(width: 120, height: 40))
        XCTAssertEqual(s.browser.selected, 99)
        XCTAssertEqual(s.browser.scroll, 100 - s.layout.listRows)
    }

    func testSortCyclesAndReversesKeepingSelection() {
        var s = Fixtures.press(Fixtures.state(), Fixtures.type("jjj"))
        let selected = s.selectedRow?.database.name
        s = Fixtures.press(s, [.char("s")])
        XCTAssertEqual(s.browser.sort, SortOrder(key: .protocol))
        XCTAssertEqual(s.selectedRow?.database.name, selected)
        let protocols = s.browser.visible.map { s.inventory.rows[Int($0)].protocolText }
        XCTAssertEqual(protocols, protocols.sorted())
        s = Fixtures.press(s, [.char("s")])
        XCTAssertEqual(s.browser.sort.key, .type)
        let types = s.browser.visible.map { s.inventory.rows[Int($0)].typeText }
        XCTAssertEqual(types, types.sorted())
        s = Fixtures.press(s, [.char("S")])
        XCTAssertEqual(s.browser.sort, SortOrder(key: .type, descending: true))
        XCTAssertEqual(s.browser.visible.map { s.inventory.rows[Int($0)].typeText }, types.sorted().reversed())
        s = Fixtures.press(s, [.char("s")])
        XCTAssertEqual(s.browser.sort.key, .name)
        XCTAssertEqual(s.selectedRow?.database.name, selected)
    }

    func testFilterLineTypingKeepAndClear() {
        var s = Fixtures.press(Fixtures.state(), [.char("/")] + Fixtures.type("env=prod"))
        XCTAssertTrue(s.filter.isEditing)
        XCTAssertEqual(Fixtures.names(s), ["orders-prod", "reporting-aurora", "search-us", "sessions-cache"])
        s = Fixtures.press(s, [.enter])
        XCTAssertFalse(s.filter.isEditing)
        XCTAssertEqual(s.filter.text, "env=prod")
        XCTAssertEqual(s.browser.visible.count, 4)
        // j moves in the filtered list; q is not typed into a closed filter line.
        s = Fixtures.press(s, [.char("j")])
        XCTAssertEqual(s.selectedRow?.database.name, "reporting-aurora")
        // Esc backs out one level: the kept filter is cleared, selection stays on its database.
        s = Fixtures.press(s, [.escape])
        XCTAssertEqual(s.filter.text, "")
        XCTAssertEqual(s.browser.visible.count, 8)
        XCTAssertEqual(s.selectedRow?.database.name, "reporting-aurora")
        // Esc while typing clears and closes.
        s = Fixtures.press(s, [.char("/")] + Fixtures.type("orders") + [.escape])
        XCTAssertFalse(s.filter.isEditing)
        XCTAssertEqual(s.browser.visible.count, 8)
    }

    func testFilterErrorsKeepTheLastValidFilter() {
        var s = Fixtures.press(Fixtures.state(), [.char("/")] + Fixtures.type("region=~^eu"))
        XCTAssertEqual(Fixtures.names(s), ["cart-elasticache", "reporting-aurora"])
        s = Fixtures.press(s, [.char("(")])
        XCTAssertEqual(s.filter.error, "invalid regular expression \"^eu(\"")
        XCTAssertEqual(Fixtures.names(s), ["cart-elasticache", "reporting-aurora"], "the last valid filter stays")
        s = Fixtures.press(s, [.enter])
        XCTAssertTrue(s.filter.isEditing, "Enter does not keep a filter that does not parse")
        s = Fixtures.press(s, [.backspace])
        XCTAssertEqual(s.filter.text, "region=~^eu")
        XCTAssertNil(s.filter.error)
        s = Fixtures.press(s, [.ctrl("u")])
        XCTAssertEqual(s.filter.text, "")
        XCTAssertEqual(s.browser.visible.count, 8)
    }

    func testFilterTextIsTextEvenForCommandKeys() {
        let s = Fixtures.press(Fixtures.state(), [.char("/")] + Fixtures.type("qsjk?G"))
        XCTAssertEqual(s.filter.text, "qsjk?G")
        XCTAssertFalse(s.shouldQuit)
        XCTAssertNil(s.overlay)
    }

    func testRefreshKeepsSelectionByName() {
        var s = Fixtures.press(Fixtures.state(), Fixtures.type("jjj"))
        let name = s.selectedRow?.database.name
        XCTAssertEqual(name, "orders-prod")
        var dbs = Fixtures.databases
        dbs.insert(Database(name: "aaa-first", protocol: .postgres, uri: "h:1"), at: 0)
        dbs.removeAll { $0.name == "analytics-dev" }
        s = ConsoleReducer.reduce(s, .inventory(Fixtures.inventory(dbs)))
        XCTAssertEqual(s.selectedRow?.database.name, "orders-prod")
        XCTAssertEqual(s.inventory.count, 8)
        // The selected database vanishing keeps the position.
        s = ConsoleReducer.reduce(s, .inventory(Fixtures.inventory(dbs.filter { $0.name != "orders-prod" })))
        XCTAssertEqual(s.browser.selected, 3)
        // A filter stays applied across a refresh.
        s = Fixtures.press(s, [.char("/")] + Fixtures.type("team=web") + [.enter])
        s = ConsoleReducer.reduce(s, .inventory(Fixtures.inventory(dbs + [Database(name: "web-new", protocol: .redis,
                                                                                   uri: "h:1", staticLabels: ["team": "web"])])))
        XCTAssertEqual(Fixtures.names(s), ["cart-elasticache", "sessions-cache", "web-new"])
    }

    func testHiddenDatabasesAreNotCounted() throws {
        let user = PosternUser(name: "bob", roles: ["prod-only"])
        let role = Role(name: "prod-only", allow: RoleConditions(dbLabels: LabelSelector(["env": ["prod"]]), dbUsers: ["r"]))
        let inv = InventorySnapshot(databases: Fixtures.databases, checker: try AccessChecker(user: user, roles: [role]),
                                    clusterName: "c")
        XCTAssertEqual(inv.count, 4)
    }

    func testQuitHelpEscAndCtrlC() {
        var s = Fixtures.state()
        s = Fixtures.press(s, [.ctrl("c")])
        XCTAssertFalse(s.shouldQuit)
        XCTAssertEqual(s.status?.text, "Ctrl-C does not quit here; press q to quit")
        s = Fixtures.press(s, [.char("?")])
        XCTAssertEqual(s.overlay, .help(scroll: 0))
        s = Fixtures.press(s, [.char("j"), .char("j")])
        XCTAssertEqual(s.overlay, .help(scroll: 2))
        s = Fixtures.press(s, [.char("q")])
        XCTAssertNil(s.overlay, "q closes help, it does not quit")
        XCTAssertFalse(s.shouldQuit)
        s = Fixtures.press(s, [.escape, .escape, .escape])
        XCTAssertFalse(s.shouldQuit, "Esc never quits")
        s = Fixtures.press(s, [.char("q")])
        XCTAssertTrue(s.shouldQuit)
    }

    func testEnterWithoutAProxySaysItCannotConnect() {
        let s = Fixtures.press(Fixtures.state(), [.char("j"), .enter])
        XCTAssertEqual(s.status?.text, "this console has no proxy: cannot connect to cart-elasticache")
        XCTAssertTrue(s.panes.isEmpty)
        XCTAssertEqual(s.openSessions, 0)
    }

    func testTabMovesFocusToDetailsWhereMotionsScroll() {
        var s = Fixtures.press(Fixtures.state(), Fixtures.type("jjj") + [.tab])
        XCTAssertEqual(s.focus, .details)
        s = Fixtures.press(s, [.char("j"), .char("j")])
        XCTAssertEqual(s.browser.selected, 3, "the list selection does not move")
        guard let row = s.selectedRow else { return XCTFail("a row is selected") }
        let lines = DetailsModel(row: row, checker: s.inventory.checker, width: s.layout.details?.width ?? 80).lines.count
        XCTAssertEqual(s.browser.detailsScroll, min(2, lines - s.layout.detailRows), "scrolls, and stops at the end")
        XCTAssertGreaterThan(s.browser.detailsScroll, 0)
        s = Fixtures.press(s, [.escape])
        XCTAssertEqual(s.focus, .list)
        s = Fixtures.press(s, [.tab, .backTab])
        XCTAssertEqual(s.focus, .list)
    }

    /// No motion key changes anything but the selection and scroll positions.
    func testMotionKeysAreNeverDestructive() {
        let motions = Keymap.standard.bindings.filter { Command.motions.contains($0.command) }.flatMap(\.keys)
        XCTAssertFalse(motions.isEmpty)
        var s = Fixtures.press(Fixtures.state(), [.char("/")] + Fixtures.type("prod") + [.enter])
        for key in motions + motions {
            let next = ConsoleReducer.reduce(s, .key(key))
            XCTAssertFalse(next.shouldQuit, "\(key)")
            XCTAssertEqual(next.filter.text, s.filter.text, "\(key)")
            XCTAssertEqual(next.browser.visible, s.browser.visible, "\(key)")
            XCTAssertEqual(next.browser.sort, s.browser.sort, "\(key)")
            XCTAssertNil(next.overlay, "\(key)")
            XCTAssertEqual(next.panes.count, s.panes.count, "\(key)")
            s = next
        }
    }
}

import XCTest
@testable import PosternTUI

/// A minimal pane, as the SQL, Redis and audit panes will plug in: it takes text, runs a bound
/// command and shows snapshots posted back from (here simulated) background work.
private struct EchoPane: ConsolePane {
    struct Lines: PaneUpdate { let lines: [String] }

    var title = "echo"
    var isSession = true
    var keyScope: KeyScope { .pane("Echo session") }
    var typed = ""
    var shown: [String] = []

    static let bindings = [KeyBinding([.function(5)], Command("echo-run"), .pane("Echo session"), "run")]

    mutating func perform(_ command: Command) -> PaneResponse {
        if command == Command("echo-run") { return .status("ran \(typed)") }
        if command == .interrupt { return .status("cancelled") }
        return .ignored
    }

    mutating func input(_ key: Key) -> PaneResponse {
        if case .char(let c) = key { typed.append(c); return .handled }
        return .ignored
    }

    mutating func apply(_ update: any PaneUpdate) -> PaneResponse {
        guard let u = update as? Lines else { return .ignored }
        shown = u.lines
        return .handled
    }

    func draw(on screen: inout VirtualScreen, in rect: Rect, theme: Theme, focused: Bool) {
        screen.put("> " + typed, x: rect.x, y: rect.y, style: theme[.prompt], clip: rect)
        for (i, line) in shown.prefix(rect.height - 1).enumerated() {
            screen.put(line, x: rect.x, y: rect.y + 1 + i, style: theme[.normal], clip: rect)
        }
    }
}

final class PanePlugInTests: XCTestCase {
    func testPaneOpensTakesKeysShowsUpdatesAndCountsAsSession() {
        let id = PaneID("echo-1")
        var s = ConsoleReducer.reduce(Fixtures.state(),
                                      .openPane(PaneSlot(id: id, pane: EchoPane()), bindings: EchoPane.bindings))
        XCTAssertEqual(s.focus, .pane(id))
        XCTAssertEqual(s.openSessions, 1)
        s = Fixtures.press(s, Fixtures.type("qjk"))
        XCTAssertFalse(s.shouldQuit, "q is text inside a pane")
        s = Fixtures.press(s, [.function(5)])
        XCTAssertEqual(s.status?.text, "ran qjk")
        s = Fixtures.press(s, [.ctrl("c")])
        XCTAssertEqual(s.status?.text, "cancelled", "Ctrl-C goes to the pane (cancel), never quits")
        s = ConsoleReducer.reduce(s, .paneUpdate(id, EchoPane.Lines(lines: ["row 1", "evil\u{1B}[2J"])))
        let screen = ConsoleRenderer(theme: .monochrome).render(s)
        XCTAssertTrue(screen.text.contains("> qjk"))
        XCTAssertTrue(screen.text.contains("evil\\e[2J"))
        XCTAssertTrue(screen.text(row: 0).contains(" echo "), "the pane's tab is in the title bar")
        XCTAssertTrue(HelpModel.lines(s.keymap).map(\.plain).contains { $0.contains("Echo session") })
    }

    func testQuitAsksWhileSessionsAreOpen() {
        var s = ConsoleReducer.reduce(Fixtures.state(), .openPane(PaneSlot(id: PaneID("e"), pane: EchoPane()), bindings: []))
        s = Fixtures.press(s, [.escape])
        XCTAssertEqual(s.focus, .list, "Esc the pane ignores backs out to the browser")
        s = Fixtures.press(s, [.char("q")])
        XCTAssertEqual(s.overlay, .confirmQuit)
        XCTAssertFalse(s.shouldQuit)
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text.contains("1 session is open. Quit and close them? (y/n)"))
        s = Fixtures.press(s, [.char("n")])
        XCTAssertNil(s.overlay)
        s = Fixtures.press(s, [.char("q"), .char("j"), .escape])
        XCTAssertNil(s.overlay)
        XCTAssertFalse(s.shouldQuit)
        s = Fixtures.press(s, [.char("q"), .char("y")])
        XCTAssertTrue(s.shouldQuit)
    }

    func testTabCyclesThroughPanesAndClosingReturnsToTheList() {
        let id = PaneID("e")
        var s = ConsoleReducer.reduce(Fixtures.state(), .openPane(PaneSlot(id: id, pane: EchoPane()), bindings: []))
        s = Fixtures.press(s, [.tab])
        XCTAssertEqual(s.focus, .list)
        s = Fixtures.press(s, [.tab, .tab])
        XCTAssertEqual(s.focus, .pane(id))
        s = ConsoleReducer.reduce(s, .closePane(id))
        XCTAssertEqual(s.focus, .list)
        XCTAssertEqual(s.openSessions, 0)
    }
}

import PosternCore
import XCTest
@testable import PosternTUI

/// A regular expression the index cannot answer runs a chunk at a time: the key is answered at
/// once with the first rows (count marked `+`), idle steps finish it, and the end result is the
/// one a full evaluation gives, in display order, with the earlier selection kept.
final class FilterProgressTests: XCTestCase {
    func fleet(_ n: Int) -> [Database] {
        (0..<n).map { i in
            Database(name: "db-\(String(format: "%05d", i))-\(["prod", "dev", "test"][i % 3])", protocol: .postgres,
                     uri: "10.0.0.1:5432", staticLabels: ["env": ["prod", "dev", "test"][i % 3]])
        }
    }

    func testAHeavyRegexIsAnsweredAtOnceAndFinishedInSteps() throws {
        var state = Fixtures.state(width: 100, height: 30, fleet(3 * ConsoleState.filterChunk))
        state = Fixtures.press(state, [.char("j"), .char("j"), .char("j")])  // db-00003-prod selected
        let kept = try XCTUnwrap(state.selectedRow?.name)
        state = Fixtures.press(state, [.char("/")] + Fixtures.type("^[a-d].*-(prod)"))
        XCTAssertTrue(state.filter.isRunning, "three chunks of candidates: not done in one key")
        XCTAssertLessThan(state.browser.visible.count, ConsoleState.filterChunk)
        let screen = ConsoleRenderer(theme: .monochrome).render(state)
        XCTAssertTrue(screen.text.contains("\(state.browser.visible.count)+/\(3 * ConsoleState.filterChunk)"), screen.text)
        var steps = 0
        while state.filter.isRunning {
            state = ConsoleReducer.reduce(state, .filterStep)
            steps += 1
        }
        XCTAssertEqual(steps, 2)
        let q = try FilterQuery.parse("^[a-d].*-(prod)")
        let full = FilterEngine.evaluate(q, in: state.inventory)
        XCTAssertEqual(state.browser.visible, state.browser.order.filter { full.contains(Int($0)) })
        XCTAssertEqual(state.browser.visible.count, ConsoleState.filterChunk)
        XCTAssertEqual(state.selectedRow?.name, kept, "the selection stays on its database")
        XCTAssertFalse(ConsoleRenderer(theme: .monochrome).render(state).text.contains("+/"))
    }

    func testANewKeyReplacesARunningFilter() throws {
        var state = Fixtures.state(width: 100, height: 30, fleet(3 * ConsoleState.filterChunk))
        state = Fixtures.press(state, [.char("/")] + Fixtures.type("^[a-d].*-(prod)"))
        XCTAssertTrue(state.filter.isRunning)
        state = Fixtures.press(state, [.backspace, .backspace, .backspace, .backspace, .backspace] + Fixtures.type("dev)"))
        while state.filter.isRunning { state = ConsoleReducer.reduce(state, .filterStep) }
        XCTAssertEqual(Set(Fixtures.names(state).map { $0.hasSuffix("-dev") }), [true])
        XCTAssertEqual(state.browser.visible.count, ConsoleState.filterChunk)
    }
}

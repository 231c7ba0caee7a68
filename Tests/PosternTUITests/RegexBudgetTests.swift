import Foundation
import PosternCore
import XCTest
@testable import PosternTUI

/// A regular expression that backtracks without end gives up on the row (no match) instead of
/// freezing the console, the same way every time, and the filter line says so. These tests would
/// hang without the budget: they check that they finish and what they report, never how fast.
final class RegexBudgetTests: XCTestCase {
    /// What the fuzz-filter target found (Tests/Corpus/filter/regress-redos-anchor-quantifier: its
    /// control bytes never reach the filter line): a lazily repeated `^` that ICU loops on.
    static let fuzzQuery = "^+?" + String(repeating: "w", count: 18) + "v"
    static let longAs = String(repeating: "a", count: 40) + "!"

    func databases() -> [Database] {
        Fixtures.databases + [
            Database(name: Self.longAs, description: "exponential for (a+)+$", protocol: .postgres, uri: "10.0.0.20:5432",
                     staticLabels: ["env": "dev", "note": Self.longAs]),
            Database(name: "aaaa", description: "short run", protocol: .postgres, uri: "10.0.0.21:5432",
                     staticLabels: ["env": "dev", "note": "aaaa"]),
            Database(name: String(repeating: "w", count: 18) + "v", description: "what the fuzz query asks for",
                     protocol: .redis, uri: "10.0.0.22:6379", staticLabels: ["env": "prod"]),
        ]
    }

    /// Every row checked on its own with the same `matches` (the fuzz target's reference).
    func reference(_ q: FilterQuery, _ inventory: InventorySnapshot) -> RowSet {
        guard case .regex(let p) = q.body else { return RowSet(capacity: inventory.count) }
        var out = RowSet(capacity: inventory.count)
        for (row, text) in inventory.texts.enumerated() where p.matches(text) != q.inverted { out.insert(row) }
        return out
    }

    func names(_ rows: RowSet, _ inventory: InventorySnapshot) -> [String] {
        var out: [String] = []
        rows.forEach { out.append(inventory.rows[$0].database.name) }
        return out.sorted()
    }

    func testTheFuzzQueryFinishesAndReportsTheBudget() throws {
        let inventory = Fixtures.inventory(databases())
        let q = try FilterQuery.parse(Self.fuzzQuery)
        let result = FilterEngine.result(q, in: inventory, previous: nil)
        XCTAssertGreaterThan(result.tooCostly, 0, "rows the index cannot rule out (not ASCII) loop in ICU")
        XCTAssertEqual(names(result.matches, inventory), [String(repeating: "w", count: 18) + "v"])
        XCTAssertEqual(result.matches, reference(q, inventory), "the indexed answer is the row-by-row one")
        XCTAssertEqual(FilterEngine.evaluate(q, in: inventory), result.matches, "the same answer every time")

        var state = Fixtures.press(Fixtures.state(width: 100, height: 20, databases()),
                                   [.char("/")] + Fixtures.type(Self.fuzzQuery))
        while state.filter.isRunning { state = ConsoleReducer.reduce(state, .filterStep) }
        XCTAssertEqual(state.filter.problem, "regex too slow; some rows not checked")
        XCTAssertNil(state.filter.error, "the query parses: Enter still applies it")
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(state).text.contains("regex too slow; some rows not checked"))
        state = Fixtures.press(state, [.enter])
        XCTAssertFalse(state.filter.isEditing)
        let screen = ConsoleRenderer(theme: .monochrome).render(state).text
        XCTAssertTrue(screen.contains("regex too slow; some rows not checked"), screen)
        XCTAssertEqual(Fixtures.names(state), [String(repeating: "w", count: 18) + "v"])
    }

    func testExponentialBacktrackingGivesUpOnTheLongRowOnly() throws {
        let inventory = Fixtures.inventory(databases())
        let q = try FilterQuery.parse("^(a+)+$")
        let result = FilterEngine.result(q, in: inventory, previous: nil)
        XCTAssertEqual(result.tooCostly, 1, "only the name of 40 a's and a ! backtracks without end")
        XCTAssertEqual(names(result.matches, inventory), ["aaaa"], "a short run still matches; the long one is left out")
        XCTAssertEqual(result.matches, reference(q, inventory))
        // Inverted, the row given up on is not a match, so it is shown: both answers agree on it.
        let inverted = try FilterQuery.parse("!^(a+)+$")
        XCTAssertEqual(FilterEngine.evaluate(inverted, in: inventory), reference(inverted, inventory))
        XCTAssertTrue(names(FilterEngine.evaluate(inverted, in: inventory), inventory).contains(Self.longAs))
        // As a label selector (unanchored, as typed) it goes through the label index.
        let label = try FilterQuery.parse("note=~(a+)+$")
        let byLabel = FilterEngine.result(label, in: inventory, previous: nil)
        XCTAssertEqual(byLabel.tooCostly, 1)
        XCTAssertEqual(names(byLabel.matches, inventory), ["aaaa"])

        var state = Fixtures.press(Fixtures.state(width: 100, height: 20, databases()), [.char("/")] + Fixtures.type("^(a+)+$"))
        XCTAssertEqual(state.filter.problem, "regex too slow; some rows not checked")
        state = Fixtures.press(state, [.backspace])  // `^(a+)+`: the long row matches at once
        XCTAssertNil(state.filter.problem)
        XCTAssertTrue(Fixtures.names(state).contains(Self.longAs))
    }

    /// Rows checked a chunk at a time count what they gave up on as they go.
    func testAFilterRunInStepsReportsTheBudget() throws {
        let fleet = (0..<(2 * ConsoleState.filterChunk)).map { i in
            Database(name: "db-\(i)", protocol: .postgres, uri: "10.0.0.1:5432", staticLabels: ["env": "prod"])
        }
        var state = Fixtures.state(width: 100, height: 20, fleet + databases())
        state = Fixtures.press(state, [.char("/")] + Fixtures.type("^(a+)+$"))
        XCTAssertTrue(state.filter.isRunning)
        while state.filter.isRunning { state = ConsoleReducer.reduce(state, .filterStep) }
        XCTAssertEqual(state.filter.tooCostly, 1)
        XCTAssertEqual(state.filter.problem, "regex too slow; some rows not checked")
        XCTAssertFalse(Fixtures.names(state).contains(Self.longAs))
        XCTAssertTrue(Fixtures.names(state).contains("aaaa"))
    }

    /// The bounded form (`[\s\S]*?(?:source)` tried at the start, or the plain search for sources
    /// that cannot be wrapped) finds what a plain search finds, within budget.
    func testOrdinaryPatternsMatchAsAPlainSearchDoes() throws {
        let texts = Fixtures.inventory(databases()).texts + ["", "aa", "x\r\ny", "prod", "abcabc"]
        let patterns = ["\\Gorders", "\\Gprod", "(?x) o r d # comment", "(?x) o r d # comment\n", "\\Qa.b", "\\Qprod",
                        "\\Qprod\\E", "(?i)PROD", "a|b", "(.)\\1", "(?<=-)prod", "\\bprod\\b", "^$", "$", "\\z", "(?-m)^env",
                        "(?-m)^orders", "(?s)d.e", "^", ".{3}$", "^[^a]*$", "\\x{1F680}", "a*", "(?!x)", "\\Aorders", "\\Aenv",
                        "a++b", "(?>a+)b", "(?<n>a)\\k<n>", "(?#comment)prod", "prod(?#c)", "^+prod", "(?<!o)rders",
                        "env=prod$", "[[:alpha:]]+=", "\\p{Han}", "ß", "σας", "x$|^e", "[a-c&&b]", "\\Q)\\E", "[)]", "#",
                        "(?x)a#\nb", "^orders|^search", "^team=(web|data)$", "^.*-prod$", "^(a+)+"]
        for source in patterns {
            for options: NSRegularExpression.Options in [[.caseInsensitive, .anchorsMatchLines], []] {
                let plain = try NSRegularExpression(pattern: source, options: options)
                let bounded = try BoundedRegex(source, options: options)
                for text in texts {
                    let expected = plain.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                    XCTAssertEqual(bounded.firstMatch(in: text), expected, "\(source.debugDescription) on \(text.debugDescription)")
                }
            }
        }
    }

    /// The budget is for backtracking: a long row that is merely scanned is answered.
    func testALongRowIsNotOverBudgetForItsLength() throws {
        let text = String(repeating: "x", count: 300_000) + "\nlast"
        for source in ["zq", "\\Qzq", "^last$", "\\Qlast"] {
            let bounded = try BoundedRegex(source, options: [.caseInsensitive, .anchorsMatchLines])
            XCTAssertEqual(bounded.firstMatch(in: text), source.contains("last"), source)
        }
    }
}

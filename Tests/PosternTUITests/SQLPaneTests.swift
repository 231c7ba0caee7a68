import Foundation
import PosternCore
import XCTest
@testable import PosternTUI

final class SQLPaneTests: XCTestCase {
    func open(_ pane: SQLPane, width: Int = 80, height: Int = 24) -> ConsoleState {
        ConsoleReducer.reduce(Fixtures.state(width: width, height: height),
                              .openPane(PaneSlot(id: pane.id, pane: pane), bindings: SQLPane.bindings))
    }

    func sql(_ s: ConsoleState) -> SQLPane? { s.panes.last?.pane as? SQLPane }

    func testEnterRunsOnlyAfterASemicolonAndF5AlwaysRuns() {
        let session = FakeSQLSession()
        var s = open(SessionFixtures.pane(session))
        s = Fixtures.press(s, Fixtures.type("select 1") + [.enter] + Fixtures.type("from t"))
        XCTAssertEqual(sql(s)?.editor.lines.count, 2, "Enter without ; breaks the line")
        XCTAssertTrue(session.recorder.all.isEmpty)
        s = Fixtures.press(s, Fixtures.type(";") + [.enter])
        XCTAssertEqual(session.recorder.all, ["run select 1\nfrom t; []"])
        XCTAssertEqual(sql(s)?.editor.isEmpty, true)
        s = ConsoleReducer.reduce(s, .paneUpdate(PaneID("sql-1"), SQLUpdate.finished(SQLOutcome(tags: ["SELECT 0"], error: nil, duration: 0.01))))
        s = Fixtures.press(s, Fixtures.type("select 2") + [.function(5)])
        s = ConsoleReducer.reduce(s, .paneUpdate(PaneID("sql-1"), SQLUpdate.finished(SQLOutcome(tags: ["SELECT 1"], error: nil, duration: 0.01))))
        s = Fixtures.press(s, Fixtures.type("\\d orders") + [.enter])
        XCTAssertEqual(session.recorder.all.count, 3)
        XCTAssertEqual(session.recorder.all[1], "run select 2 []")
        XCTAssertTrue(session.recorder.all[2].hasSuffix("[\"orders\"]"), "\\d NAME is a catalog query with the name as a parameter")
        XCTAssertFalse(s.shouldQuit)
    }

    func testCtrlCCancelsTheRunningStatementAndNeverQuits() {
        let session = FakeSQLSession()
        var s = open(SessionFixtures.pane(session))
        s = Fixtures.press(s, Fixtures.type("select pg_sleep(30);") + [.enter])
        s = ConsoleReducer.reduce(s, .paneUpdate(PaneID("sql-1"), SQLUpdate.started(SQLStatement(typed: "x", sql: "x"))))
        s = Fixtures.press(s, [.ctrl("c")])
        XCTAssertEqual(session.recorder.all.last, "cancel")
        XCTAssertFalse(s.shouldQuit)
        let cancelled = SQLError(sqlState: "57014", severity: "ERROR", message: "canceling statement due to user request")
        s = ConsoleReducer.reduce(s, .paneUpdate(PaneID("sql-1"), SQLUpdate.finished(SQLOutcome(tags: [], error: cancelled, duration: 1.5))))
        let screen = ConsoleRenderer(theme: .monochrome).render(s)
        XCTAssertTrue(screen.text.contains("✗ cancelled 57014: canceling statement due to user request · 1.50 s"))
        XCTAssertTrue(screen.text.contains("ERROR 57014: canceling statement due to user request"))
    }

    func testHistoryRecallAndCtrlRSearch() {
        let session = FakeSQLSession()
        var s = open(SessionFixtures.pane(session, history: ["select * from orders;", "select now();"]))
        s = Fixtures.press(s, [.up])
        XCTAssertEqual(sql(s)?.editor.text, "select now();")
        s = Fixtures.press(s, [.up, .down])
        XCTAssertEqual(sql(s)?.editor.text, "select now();")
        s = Fixtures.press(s, [.ctrl("u"), .ctrl("r")] + Fixtures.type("ORD"))
        XCTAssertEqual(sql(s)?.mode, .search(query: "ORD", match: 0))
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text.contains("(history search)`ORD': select * from orders;"))
        s = Fixtures.press(s, [.enter])
        XCTAssertEqual(sql(s)?.editor.text, "select * from orders;")
        XCTAssertEqual(sql(s)?.mode, .editor)
    }

    func testGridWithWideCharactersNullAndHorizontalScroll() {
        let session = FakeSQLSession()
        var s = open(SessionFixtures.pane(session), width: 60, height: 14)
        let id = PaneID("sql-1")
        s = Fixtures.press(s, Fixtures.type("select …;") + [.enter])
        s = ConsoleReducer.reduce(s, .paneUpdate(id, SQLUpdate.started(SQLStatement(typed: "select …;", sql: "select …;"))))
        s = ConsoleReducer.reduce(s, .paneUpdate(id, SQLUpdate.columns([
            SQLColumn(name: "id", typeOID: 23), SQLColumn(name: "name", typeOID: 25), SQLColumn(name: "note", typeOID: 25),
            SQLColumn(name: "city", typeOID: 25), SQLColumn(name: "total", typeOID: 1700),
        ])))
        let rows: [[String?]] = [
            ["1", "売上レポート", nil, "東京", "12.50"],
            ["22", "launch 🚀🚀", "evil\u{1B}[2J", "Zürich", nil],
            ["333", String(repeating: "長", count: 30), "a,b", "München", "7"],
        ]
        s = ConsoleReducer.reduce(s, .paneUpdate(id, SQLUpdate.rows(rows, total: 3)))
        s = ConsoleReducer.reduce(s, .paneUpdate(id, SQLUpdate.finished(SQLOutcome(tags: ["SELECT 3"], error: nil, duration: 0.0042))))
        var screen = ConsoleRenderer(theme: .monochrome).render(s)
        XCTAssertTrue(screen.text.contains("∅"), "NULL is drawn as ∅")
        XCTAssertTrue(screen.text.contains("evil\\e[2J"), "values are sanitised")
        Snapshot.assert(screen, named: "sql-grid-60x14")
        s = Fixtures.press(s, [.escape] + Fixtures.type("jjllll"))
        XCTAssertEqual(sql(s)?.grid?.row, 2)
        XCTAssertEqual(sql(s)?.grid?.column, 4)
        screen = ConsoleRenderer(theme: .monochrome).render(s)
        Snapshot.assert(screen, named: "sql-grid-hscroll-60x14")
        XCTAssertFalse(screen.text.contains(" id"), "scrolled right past the first column")
        s = Fixtures.press(s, Fixtures.type("h") + [.char("y")])
        XCTAssertEqual(session.recorder.all.last, "copy München")
        s = Fixtures.press(s, [.char("e")])
        XCTAssertEqual(sql(s)?.mode, .export(path: "~/orders-prod.csv"))
        s = Fixtures.press(s, [.ctrl("u")] + Fixtures.type("/tmp/r.json") + [.enter])
        XCTAssertEqual(session.recorder.all.last, "export 3 /tmp/r.json")
        s = Fixtures.press(s, [.escape])
        XCTAssertEqual(s.focus, .list, "Esc from the grid backs out to the databases")
    }

    func testLargeResultsKeepAWindowAndSaySo() {
        let session = FakeSQLSession()
        var s = open(SessionFixtures.pane(session))
        let id = PaneID("sql-1")
        s = ConsoleReducer.reduce(s, .paneUpdate(id, SQLUpdate.started(SQLStatement(typed: "x", sql: "x"))))
        s = ConsoleReducer.reduce(s, .paneUpdate(id, SQLUpdate.columns([SQLColumn(name: "g", typeOID: 23)])))
        s = ConsoleReducer.reduce(s, .paneUpdate(id, SQLUpdate.rows((1...5).map { [String($0)] }, total: 5)))
        s = ConsoleReducer.reduce(s, .paneUpdate(id, SQLUpdate.rows([], total: 700_000)))
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text.contains("● running · 700000 rows so far (grid keeps the first 5)"))
        s = ConsoleReducer.reduce(s, .paneUpdate(id, SQLUpdate.rows([], total: 1_000_000)))
        s = ConsoleReducer.reduce(s, .paneUpdate(id, SQLUpdate.finished(SQLOutcome(tags: ["SELECT 1000000"], error: nil, duration: 2.5))))
        XCTAssertEqual(sql(s)?.grid?.rows.count, 5)
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text
            .contains("✓ SELECT 1000000 · 1000000 rows · grid keeps the first 5 (memory cap) · 2.50 s"))
    }

    func testExportFormats() {
        let rows: [[String?]] = [["1", "a,\"b\""], ["2", nil]]
        XCTAssertEqual(ResultExport.render(columns: ["id", "v"], rows: rows, as: .csv), "id,v\r\n1,\"a,\"\"b\"\"\"\r\n2,\r\n")
        XCTAssertEqual(ResultExport.render(columns: ["id", "v"], rows: rows, as: .json),
                       "[\n{\"id\":\"1\",\"v\":\"a,\\\"b\\\"\"},\n{\"id\":\"2\",\"v\":null}\n]\n")
        XCTAssertEqual(ResultExport.format(for: "/tmp/x.JSON"), .json)
    }

    func testHistoryFileIsPrivateAndRoundTrips() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("postern-history-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = SQLHistoryFile(directory: dir + "/history", database: "../売上 db")
        file.append("select 1;")
        file.append("select\n  'two';")
        XCTAssertEqual(file.load(), ["select 1;", "select\n  'two';"])
        XCTAssertTrue(file.path.hasPrefix(dir + "/history/"), "the name cannot leave the directory: \(file.path)")
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let dirMode = try FileManager.default.attributesOfItem(atPath: dir + "/history")[.posixPermissions] as? Int
        XCTAssertEqual(dirMode, 0o700)
    }

    func testConnectedPaneShowsHowItConnectedAndUnknownBackslashCommandsSaySo() {
        let session = FakeSQLSession()
        let db = Fixtures.databases[0]
        let pane = SQLPane(id: PaneID("sql-1"), request: ConnectRequest(database: db, dbUser: "reader", dbName: "app"),
                           serverVersion: "15.4", history: SQLHistory(), session: session,
                           connectLog: ["proxy: private socket /run/user/1000/postern-console-1000-42/.s.PGSQL.1 (0700, this user only)",
                                        "credentials: reading the password file",
                                        "TLS (verify-full) to 127.0.0.1:54329 and sign-in as reader",
                                        "connected: PostgreSQL 15.4 as reader, database app"])
        var s = open(pane)
        Snapshot.assert(ConsoleRenderer(theme: .monochrome).render(s), named: "sql-connected-80x24")
        s = Fixtures.press(s, Fixtures.type("\\x") + [.enter])
        XCTAssertEqual(s.status?.text, "unknown command \\x: \\dt lists tables, \\d lists relations, \\d NAME describes one")
        XCTAssertTrue(session.recorder.all.isEmpty)
        s = Fixtures.press(s, [.ctrl("u")] + Fixtures.type("\\dt") + [.enter])
        XCTAssertTrue(session.recorder.all.first?.contains("c.relkind in ('r','p')") == true)
    }

    func testOSC52IsBase64() {
        XCTAssertEqual(Clipboard.osc52("a\u{1B}b"), "\u{1B}]52;c;YRti\u{07}")
    }
}

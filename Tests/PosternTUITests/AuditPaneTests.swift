import Foundation
import XCTest
@testable import PosternTUI

final class AuditPaneTests: XCTestCase {
    func testATogglesBetweenTheDatabasesAndTheAuditPane() throws {
        var s = Fixtures.state(width: 120, height: 40)
        s.attachAudit()
        XCTAssertEqual(s.focus, .list, "attached in the background: the browser keeps the keys")
        XCTAssertEqual(s.openSessions, 0, "the audit tail is no session: q quits without asking")
        s = Fixtures.press(s, [.char("a")])
        XCTAssertEqual(s.focus, .pane(AuditPane.id))
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text(row: 0).contains(" audit "))
        s = Fixtures.press(s, [.char("a")])
        XCTAssertEqual(s.focus, .list)
        s = Fixtures.press(s, [.char("a"), .escape])
        XCTAssertEqual(s.focus, .list, "Esc with nothing to close backs out to the browser")
        let help = HelpModel.lines(s.keymap).map(\.plain)
        XCTAssertTrue(help.contains { $0.contains("audit pane: live tail of events") })
        XCTAssertTrue(help.contains("Audit pane"))
    }

    func testAShippingBacklogStaysOnTheStatusLineUntilItClears() throws {
        var s = Fixtures.state(width: 120, height: 24)
        let behind = "audit shipping behind: 1200 events, since 2026-12-05T10:00:00Z"
        s = ConsoleReducer.reduce(s, .auditShipping(behind))
        var bottom = ConsoleRenderer(theme: .monochrome).render(s).text(row: 23)
        XCTAssertTrue(bottom.contains(behind), bottom)
        XCTAssertTrue(bottom.contains("/ filter"), "the key hints stay at the left: \(bottom)")
        s = Fixtures.press(s, [.char("j")])
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text(row: 23).contains("audit shipping behind"),
                      "a key clears messages, not the backlog")
        // Escapes in what reaches the line are shown escaped, as everywhere else.
        s = ConsoleReducer.reduce(s, .auditShipping("audit shipping behind: 1 events, since \u{1b}[31m"))
        bottom = ConsoleRenderer(theme: .monochrome).render(s).text(row: 23)
        XCTAssertFalse(bottom.contains("\u{1b}"), bottom)
        s = ConsoleReducer.reduce(s, .auditShipping(nil))
        XCTAssertFalse(ConsoleRenderer(theme: .monochrome).render(s).text(row: 23).contains("audit shipping"))
    }

    func testWithoutAStoreThereIsNoAuditKey() {
        let s = Fixtures.press(Fixtures.state(), [.char("a")])
        XCTAssertEqual(s.focus, .list)
        XCTAssertFalse(HelpModel.lines(s.keymap).map(\.plain).contains { $0.contains("audit") })
        XCTAssertFalse(ConsoleRenderer(theme: .monochrome).render(s).text(row: 23).contains("a audit"))
    }

    func testFollowsTheNewestUntilScrolledAndAgainFromTheBottom() throws {
        var s = AuditFixtures.state()
        var pane = try XCTUnwrap(AuditFixtures.pane(s))
        XCTAssertTrue(pane.isFollowing)
        XCTAssertEqual(pane.selection.map { pane.events[$0].summary }, "select 'evil\u{1B}[2J';")

        s = Fixtures.press(s, [.char("k"), .char("k")])
        pane = try XCTUnwrap(AuditFixtures.pane(s))
        XCTAssertFalse(pane.isFollowing)
        let held = try XCTUnwrap(pane.selection)
        s = ConsoleReducer.reduce(s, .paneUpdate(AuditPane.id, AuditBatch(records: (8...12).map { AuditFixtures.record($0) })))
        pane = try XCTUnwrap(AuditFixtures.pane(s))
        XCTAssertEqual(pane.selection, held, "new events do not move a scrolled selection")
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text(row: 1).contains("12 events · paused"))

        s = Fixtures.press(s, [.char("G")])
        pane = try XCTUnwrap(AuditFixtures.pane(s))
        XCTAssertTrue(pane.isFollowing)
        s = Fixtures.press(s, [.char("k"), .char("j")])
        XCTAssertTrue(try XCTUnwrap(AuditFixtures.pane(s)).isFollowing, "reaching the newest row follows again")
        s = ConsoleReducer.reduce(s, .paneUpdate(AuditPane.id, AuditBatch(records: [AuditFixtures.record(13)])))
        pane = try XCTUnwrap(AuditFixtures.pane(s))
        XCTAssertEqual(pane.selection.map { pane.events[$0].summary }, "select 13;")
    }

    func testTheRingKeepsTheNewestAndCountsEveryEvent() throws {
        var s = AuditFixtures.state([], capacity: 100)
        s = Fixtures.press(s, [.char("g")])
        for chunk in stride(from: 0, to: 250, by: 50) {
            s = ConsoleReducer.reduce(s, .paneUpdate(AuditPane.id, AuditBatch(records: (chunk..<chunk + 50).map { AuditFixtures.record($0) })))
        }
        s = ConsoleReducer.reduce(s, .paneUpdate(AuditPane.id, AuditBatch(records: [AuditFixtures.record(250)], skipped: 9)))
        let pane = try XCTUnwrap(AuditFixtures.pane(s))
        XCTAssertEqual(pane.events.count, 100)
        XCTAssertEqual(pane.received, 260)
        XCTAssertEqual(pane.events[pane.events.firstSequence].summary, "select 151;")
        XCTAssertEqual(pane.events[pane.events.endSequence - 1].summary, "select 250;")
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text(row: 1).contains("260 events (last 100 kept)"))
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(pane.selection), pane.events.firstSequence, "a dropped selection moves to the oldest kept")
    }

    func testFilterBySessionAndByType() throws {
        var s = Fixtures.press(AuditFixtures.state(), [.char("k"), .char("k")])  // the PING, in session B
        s = Fixtures.press(s, [.char("s")])
        var pane = try XCTUnwrap(AuditFixtures.pane(s))
        XCTAssertEqual(pane.visible.map { pane.events[$0].summary }, ["session started as reader@sessions-cache", "PING"])
        XCTAssertEqual(s.status?.text, "session 9f8e7d6c only (s again shows all)")
        s = Fixtures.press(s, [.char("s"), .char("t")])
        pane = try XCTUnwrap(AuditFixtures.pane(s))
        XCTAssertEqual(pane.visible.map { pane.events[$0].summary }, ["select 2;", "PING", "select 'evil\u{1B}[2J';"])
        s = Fixtures.press(s, [.char("s")])
        pane = try XCTUnwrap(AuditFixtures.pane(s))
        XCTAssertEqual(pane.visible.count, 1, "session and type together")
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text(row: 1).contains("· session 9f8e7d6c · db.session.query · 1 shown"))
        s = Fixtures.press(s, [.escape])
        XCTAssertEqual(try XCTUnwrap(AuditFixtures.pane(s)).visible.count, 7, "Esc clears the filter first")
        XCTAssertEqual(s.focus, .pane(AuditPane.id))
    }

    func testEnterShowsTheEventsJSONScrollableAndEscGoesBack() throws {
        var s = Fixtures.press(AuditFixtures.state(), [.char("k"), .enter])
        var pane = try XCTUnwrap(AuditFixtures.pane(s))
        let detail = try XCTUnwrap(pane.detail)
        XCTAssertEqual(detail.lines.first, "{")
        XCTAssertTrue(detail.lines.contains(#"  "code": "TDB02I","#))
        XCTAssertEqual(detail.lines.last, "}")
        s = Fixtures.press(s, [.char("j"), .char("j")])
        pane = try XCTUnwrap(AuditFixtures.pane(s))
        XCTAssertEqual(pane.detail?.scroll, 2)
        let text = ConsoleRenderer(theme: .monochrome).render(s).text
        XCTAssertTrue(text.contains("db.session.result · JSON"))
        s = Fixtures.press(s, [.escape])
        XCTAssertNil(try XCTUnwrap(AuditFixtures.pane(s)).detail)
        XCTAssertEqual(s.focus, .pane(AuditPane.id))
    }

    func testHostileTextIsDrawnEscaped() {
        let screen = ConsoleRenderer(theme: .monochrome).render(AuditFixtures.state())
        XCTAssertTrue(screen.text.contains(#"select 'evil\e[2J';"#))
        XCTAssertFalse(screen.cells.contains { $0.text.unicodeScalars.contains { $0.value < 0x20 } })
    }

    func testJSONIndenterKeepsValuesByteForByte() {
        let json = #"{"a":[1,2.50,{"b":"x,{y}:\"z\""}],"c":{},"d":[],"e":null}"#
        XCTAssertEqual(JSONIndenter.lines(json), [
            "{", #"  "a": ["#, "    1,", "    2.50,", "    {", #"      "b": "x,{y}:\"z\"""#, "    }", "  ],",
            #"  "c": {},"#, #"  "d": [],"#, #"  "e": null"#, "}",
        ])
    }

    func testRingBufferAddressesBySequence() {
        var ring = RingBuffer<Int>(capacity: 3)
        for i in 0..<5 { ring.append(i * 10) }
        XCTAssertEqual(ring.sequences, 2..<5)
        XCTAssertEqual(ring.sequences.map { ring[$0] }, [20, 30, 40])
    }
}

/// The pump between a feed and the terminal: every record arrives, in order, in few posts.
final class AuditPumpTests: XCTestCase {
    struct ListFeed: AuditFeed {
        let list: [AuditRecord]
        func records() throws -> AsyncThrowingStream<AuditRecord, any Error> {
            AsyncThrowingStream { c in
                for r in list { c.yield(r) }
                c.finish()
            }
        }
    }

    struct FailingFeed: AuditFeed {
        struct Gone: Error, CustomStringConvertible { var description: String { "the store was closed" } }
        func records() throws -> AsyncThrowingStream<AuditRecord, any Error> {
            AsyncThrowingStream { $0.finish(throwing: Gone()) }
        }
    }

    final class Posts: @unchecked Sendable {
        let lock = NSLock()
        var events: [ConsoleEvent] = []
        func add(_ e: ConsoleEvent) { lock.withLock { events.append(e) } }
        var batches: [AuditBatch] { lock.withLock { events.compactMap { if case .paneUpdate(_, let u) = $0 { return u as? AuditBatch }; return nil } } }
        var notices: [String] { lock.withLock { events.compactMap { if case .notice(let t, _) = $0 { return t }; return nil } } }
    }

    func waitUntil(_ what: String, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(10)
        while !condition() {
            guard Date() < deadline else { return XCTFail("timed out waiting for \(what)") }
            usleep(5_000)
        }
    }

    func testABurstArrivesWholeInAFewBatches() {
        let records = (0..<3000).map { AuditFixtures.record($0) }
        let posts = Posts()
        let task = AuditPump.start(ListFeed(list: records), post: posts.add)
        defer { task.cancel() }
        waitUntil("3000 records") { posts.batches.reduce(0) { $0 + $1.records.count } == 3000 }
        let batches = posts.batches
        XCTAssertEqual(batches.flatMap(\.records), records)
        XCTAssertLessThanOrEqual(batches.count, 20, "coalesced, not one redraw per event")
    }

    func testAFloodLargerThanThePaneKeepsTheNewestAndCountsTheRest() {
        let posts = Posts()
        let task = AuditPump.start(ListFeed(list: (0..<1000).map { AuditFixtures.record($0) }), window: .seconds(1), capacity: 100,
                                   post: posts.add)
        defer { task.cancel() }
        waitUntil("the batch") { posts.batches.reduce(0) { $0 + $1.records.count + $1.skipped } == 1000 }
        XCTAssertEqual(posts.batches.count, 1)
        XCTAssertEqual(posts.batches.first?.records.count, 100)
        XCTAssertEqual(posts.batches.first?.records.last?.summary, "select 999;")
    }

    func testAFailingFeedSaysSoOnce() {
        let posts = Posts()
        let task = AuditPump.start(FailingFeed(), post: posts.add)
        defer { task.cancel() }
        waitUntil("the notice") { !posts.notices.isEmpty }
        XCTAssertEqual(posts.notices, ["the audit tail stopped: the store was closed"])
    }
}

final class AuditSnapshotTests: XCTestCase {
    let renderer = ConsoleRenderer(theme: .monochrome)

    func testAuditPane80x24() {
        Snapshot.assert(renderer.render(AuditFixtures.state()), named: "audit-80x24")
    }

    func testAuditPaneScrolledAndFiltered120x40() {
        let s = Fixtures.press(AuditFixtures.state(width: 120, height: 40), [.char("k"), .char("t")])
        Snapshot.assert(renderer.render(s), named: "audit-filtered-120x40")
    }

    func testAuditJSON80x24() {
        Snapshot.assert(renderer.render(Fixtures.press(AuditFixtures.state(), [.enter])), named: "audit-json-80x24")
    }
}

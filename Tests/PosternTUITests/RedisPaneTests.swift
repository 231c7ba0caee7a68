import PosternCore
import XCTest
@testable import PosternTUI

final class FakeRedisSession: RedisSessionControl, @unchecked Sendable {
    let recorder = Recorder()
    func send(_ arguments: [[UInt8]]) { recorder.add(arguments.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "|")) }
    func close() { recorder.add("close") }
}

enum RedisFixtures {
    static let id = PaneID("redis-1")

    static func state(width: Int = 80, height: Int = 24, session: FakeRedisSession = FakeRedisSession()) -> ConsoleState {
        let pane = RedisPane(id: id, database: "sessions-cache", dbUser: "alice", protocolVersion: 3, session: session,
                             connectLog: ["connected: RESP3 as alice"])
        return ConsoleReducer.reduce(Fixtures.state(width: width, height: height),
                                     .openPane(PaneSlot(id: id, pane: pane), bindings: RedisPane.bindings))
    }

    static func run(_ s: ConsoleState, _ line: String) -> ConsoleState { Fixtures.press(s, Fixtures.type(line) + [.enter]) }

    static func reply(_ s: ConsoleState, _ v: RESPValue) -> ConsoleState { ConsoleReducer.reduce(s, .paneUpdate(id, RedisUpdate.reply(v))) }

    static func pane(_ s: ConsoleState) -> RedisPane? { s.panes.first { $0.id == id }?.pane as? RedisPane }

    static func text(_ s: ConsoleState) -> [String] {
        guard let p = pane(s) else { return [] }
        return p.transcript.sequences.map { p.transcript[$0].plain }
    }
}

final class RedisPaneTests: XCTestCase {
    func testCommandsGoToTheSessionAndRepliesAreDrawnByType() {
        let session = FakeRedisSession()
        var s = RedisFixtures.run(RedisFixtures.state(session: session), #"set greeting "héllo wörld 👋""#)
        XCTAssertEqual(session.recorder.all, ["set|greeting|héllo wörld 👋"])
        XCTAssertEqual(s.focus, .pane(RedisFixtures.id), "q, j and k are text here")
        s = RedisFixtures.reply(s, .simpleString("OK"))
        s = RedisFixtures.run(s, "incr page:views")
        s = RedisFixtures.reply(s, .integer(42))
        s = RedisFixtures.run(s, "get nope")
        s = RedisFixtures.reply(s, .null)
        s = RedisFixtures.run(s, "lpop")
        s = RedisFixtures.reply(s, .error("ERR wrong number of arguments for 'lpop' command"))
        XCTAssertEqual(RedisFixtures.text(s), [
            "connected: RESP3 as alice",
            #"sessions-cache> set greeting "héllo wörld 👋""#, "OK",
            "sessions-cache> incr page:views", "(integer) 42",
            "sessions-cache> get nope", "(nil)",
            "sessions-cache> lpop", "(error) ERR wrong number of arguments for 'lpop' command",
        ])
        XCTAssertEqual(RedisFixtures.pane(s)?.transcript[8].segments.first?.role, .error)
    }

    func testNestedArraysMapsAndSets() {
        let v = RESPValue.map([
            RESPPair(.bulk("server"), .bulk("redis")),
            RESPPair(.bulk("modules"), .array([])),
            RESPPair(.bulk("tags"), .set([.bulk("抹茶"), .bulk("tea")])),
            RESPPair(.bulk("nested"), .array([.integer(1), .array([.bulk("a"), .null]), .double(2.5), .boolean(true)])),
        ])
        XCTAssertEqual(RedisReplyLines.lines(v).map(\.plain), [
            #"1# "server" => "redis""#,
            #"2# "modules" => (empty array)"#,
            #"3# "tags" => 1~ "抹茶""#,
            #"   2~ "tea""#,
            #"4# "nested" => 1) (integer) 1"#,
            #"   2) 1) "a""#,
            #"      2) (nil)"#,
            #"   3) (double) 2.5"#,
            #"   4) (true)"#,
        ])
        XCTAssertEqual(RedisReplyLines.lines(.bulkString([0xff, 0x41, 0x0a])).map(\.plain), [#""\xffA\n""#], "not UTF-8: bytes as redis-cli shows them")
    }

    func testPubSubMessagesAppearAsTheyArrive() {
        var s = RedisFixtures.run(RedisFixtures.state(), "subscribe news")
        s = ConsoleReducer.reduce(s, .paneUpdate(RedisFixtures.id, RedisUpdate.push(.push([.bulk("subscribe"), .bulk("news"), .integer(1)]))))
        s = ConsoleReducer.reduce(s, .paneUpdate(RedisFixtures.id, RedisUpdate.push(.push([.bulk("message"), .bulk("news"), .bulk("hello 👋")]))))
        s = RedisFixtures.reply(s, .array([.bulk("pmessage"), .bulk("n*"), .bulk("news"), .bulk("in RESP2")]))
        XCTAssertEqual(Array(RedisFixtures.text(s).suffix(5)), [
            #"1) "subscribe""#, #"2) "news""#, "3) (integer) 1",
            #"» news  "hello 👋""#, #"» news (n*)  "in RESP2""#,
        ])
    }

    func testHistoryQuotesAndSecretsNeverShown() {
        let session = FakeRedisSession()
        var s = RedisFixtures.run(RedisFixtures.state(session: session), "auth alice s3cret-pw")
        s = RedisFixtures.run(s, #"set 'it\'s' "a\x41\tb""#)
        s = RedisFixtures.run(s, #"get "unbalanced"#)
        XCTAssertEqual(s.status?.text, "unbalanced quotes")
        XCTAssertEqual(session.recorder.all, ["auth|alice|s3cret-pw", "set|it's|aA\tb"])
        let screen = ConsoleRenderer(theme: .monochrome).render(s).text
        XCTAssertFalse(screen.contains("s3cret"), "the password is masked on screen")
        XCTAssertTrue(screen.contains("sessions-cache> auth alice ***"))
        s = Fixtures.press(s, [.ctrl("u"), .up, .up])
        XCTAssertEqual(RedisFixtures.pane(s)?.input, "auth alice ***", "nor kept in history")
        s = Fixtures.press(s, [.down])
        XCTAssertEqual(RedisFixtures.pane(s)?.input, #"set "it's" "aA\tb""#, "quoted so it runs again as typed")
        s = Fixtures.press(s, [.down])
        XCTAssertEqual(RedisFixtures.pane(s)?.input, "")
        s = Fixtures.press(s, Fixtures.type("ping") + [.ctrl("c")])
        XCTAssertEqual(RedisFixtures.pane(s)?.input, "", "Ctrl-C clears the line and never quits")
        XCTAssertFalse(s.shouldQuit)
    }

    func testClosingAndTheConnectionEnding() {
        let session = FakeRedisSession()
        var s = RedisFixtures.state(session: session)
        XCTAssertEqual(s.openSessions, 1)
        s = ConsoleReducer.reduce(s, .paneUpdate(RedisFixtures.id, RedisUpdate.closed("the proxy or the server ended the session")))
        XCTAssertEqual(s.openSessions, 0, "a closed connection is no open session")
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text.contains("connection closed: the proxy or the server ended the session"))
        s = Fixtures.press(s, [.ctrl("d")])
        XCTAssertNil(RedisFixtures.pane(s))
        XCTAssertEqual(session.recorder.all, ["close"])
        XCTAssertEqual(s.focus, .list)
    }

    func testScrollingKeepsTheViewWhileRepliesArrive() {
        var s = RedisFixtures.state(height: 10)
        for i in 0..<30 { s = RedisFixtures.reply(s, .integer(Int64(i))) }
        s = Fixtures.press(s, [.pageUp])
        s = RedisFixtures.reply(s, .integer(99))
        let screen = ConsoleRenderer(theme: .monochrome).render(s).text
        XCTAssertFalse(screen.contains("(integer) 99"))
        XCTAssertTrue(screen.contains("11 newer lines below"))
        s = Fixtures.press(s, [.pageDown, .pageDown])
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text.contains("(integer) 99"))
    }

    func testRedisSession80x24() {
        var s = RedisFixtures.run(RedisFixtures.state(), "ping")
        s = RedisFixtures.reply(s, .simpleString("PONG"))
        s = RedisFixtures.run(s, "hgetall cart:ada")
        s = RedisFixtures.reply(s, .map([RESPPair(.bulk("TEA-001"), .bulk("2")), RESPPair(.bulk("note"), .bulk("gift wrap 🎁"))]))
        s = RedisFixtures.run(s, "zrange leaderboard 0 -1 withscores")
        s = RedisFixtures.reply(s, .array([.array([.bulk("zoe"), .double(640)]), .array([.bulk("evil\u{1B}[2J"), .double(980)])]))
        s = Fixtures.press(s, Fixtures.type("get gre"))
        let screen = ConsoleRenderer(theme: .monochrome).render(s)
        Snapshot.assert(screen, named: "redis-session-80x24")
        XCTAssertEqual(screen.cursor, Point(x: 24, y: 22))
    }
}

import Foundation
import PosternCore
import XCTest
@testable import PosternTUI

/// The Redis session's client against a real Redis 7 on a private Unix socket, standing where the
/// console's proxy socket would be: HELLO 3, replies by type, and pub/sub pushes as they arrive.
final class RedisSessionClientTests: XCTestCase {
    struct SocketOpener: SessionOpener {
        let directory: String
        func open(_ request: ConnectRequest, progress: @escaping @Sendable (String) -> Void) async throws(ConnectError) -> SessionEndpoint {
            SessionEndpoint(socketDirectory: directory, port: 1, dbUser: request.dbUser, dbName: "")
        }
        func close(_ endpoint: SessionEndpoint) async {}
    }

    /// Events the session posts, applied to a console state on the test's thread.
    final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [ConsoleEvent] = []
        func post(_ e: ConsoleEvent) { lock.withLock { events.append(e) } }
        func drain() -> [ConsoleEvent] { lock.withLock { defer { events.removeAll() }; return events } }
    }

    func testHelloRepliesByTypeAndPubSubThroughAUnixSocket() throws {
        let dir = "/tmp/pr-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let socketPath = dir + "/.s.PGSQL.1"
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        server.arguments = ["--port", "0", "--unixsocket", socketPath, "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                            "--dir", dir, "--logfile", dir + "/redis.log"]
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        try waitUntil("redis-server's socket") { FileManager.default.fileExists(atPath: socketPath) }

        let inbox = Inbox()
        let services = ConsoleServices(opener: SocketOpener(directory: dir), post: inbox.post, historyDirectory: nil, launchers: [:])
        let db = Database(name: "sessions-cache", protocol: .redis, uri: "127.0.0.1:63800", auth: .managed)
        var state = Fixtures.state()
        RedisSessionLauncher().launch(ConnectRequest(database: db, dbUser: "alice", dbName: ""), dialog: PaneID("dialog"),
                                      services: services)
        func pane() -> RedisPane? { state.panes.compactMap { $0.pane as? RedisPane }.first }
        func lines() -> [String] { pane().map { p in p.transcript.sequences.map { p.transcript[$0].plain } } ?? [] }
        func pump(_ what: String, _ done: () -> Bool) throws {
            try waitUntil(what) {
                for e in inbox.drain() { state.apply(e) }
                return done()
            }
        }
        try pump("the pane") { pane() != nil }
        XCTAssertEqual(pane()?.protocolVersion, 3, "HELLO 3 answered with a map")
        XCTAssertTrue(lines().contains("connected: RESP3 as alice"))

        state = Fixtures.press(state, Fixtures.type("ping") + [.enter])
        try pump("PONG") { lines().last == "PONG" }
        state = Fixtures.press(state, Fixtures.type(#"hset cart:ada TEA-001 2 note "gift 🎁""#) + [.enter])
        try pump("the hset count") { lines().last == "(integer) 2" }
        state = Fixtures.press(state, Fixtures.type("hgetall cart:ada") + [.enter])
        try pump("the map") { lines().suffix(2) == [#"1# "TEA-001" => "2""#, #"2# "note" => "gift 🎁""#] }

        state = Fixtures.press(state, Fixtures.type("subscribe news") + [.enter])
        try pump("the subscription") { lines().last == "3) (integer) 1" }
        let publisher = try UnixSocketClient(path: socketPath)
        try publisher.write(RESPEncoder.command(["PUBLISH", "news", "hello 👋"]))
        try pump("the message") { lines().last == #"» news  "hello 👋""# }

        state = Fixtures.press(state, [.ctrl("d")])
        XCTAssertNil(pane())
        XCTAssertEqual(state.openSessions, 0)
    }

    func waitUntil(_ what: String, timeout: TimeInterval = 10, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else {
                XCTFail("timed out waiting for \(what)")
                throw CancellationError()
            }
            usleep(10_000)
        }
    }
}

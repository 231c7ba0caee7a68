import Foundation
import PosternAudit
import PosternCore
import XCTest

final class AuditStoreTests: XCTestCase {
    func testRoundTripEveryKind() async throws {
        try await Fixture.eachBackend { store, _ in
            var s = Fixture.session()
            let events = [
                s.make(.sessionStart(.init(serverID: "h", remoteAddr: "127.0.0.1:5", postgresPID: 7))),
                s.make(.query(.init(query: "select $1", parameters: ["a"]))),
                s.make(.postgresParse(.init(statementName: "s", query: "select 1"))),
                s.make(.postgresBind(.init(statementName: "s", portalName: "", parameters: ["1"]))),
                s.make(.postgresExecute(.init(portalName: ""))),
                s.make(.postgresClose(.init(statementName: "s", portalName: ""))),
                s.make(.postgresFunction(.init(functionOID: 1, functionArgs: ["x"]))),
                s.make(.malformedPacket(.init(payload: [1, 2, 3]))),
                s.make(.result(.init(queryID: "q", affectedRecords: 1, durationMicroseconds: 10, commandTag: "SELECT 1"))),
                s.make(.query(.init(query: "x", status: .failed("upstream gone")))),
                s.make(.sessionEnd(.init(sessionStart: AuditTime(seconds: 1), sessionStop: AuditTime(seconds: 2)))),
            ]
            for e in events { try await store.record(e) }
            XCTAssertEqual(try store.session(s.sessionID), events)
            XCTAssertEqual(try store.search(AuditSearch()), events)
        }
    }

    func testStoreFilesArePrivate() async throws {
        for backend in AuditConfig.Backend.allCases {
            let dir = try TempDir()
            let path = dir.file("state/postern/audit.\(backend.rawValue)")
            let store = try AuditStore(backend: backend, path: path)
            var s = Fixture.session()
            try await store.record(s.make(.sessionStart(.init())))
            try store.close()
            let dirMode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: dir.file("state/postern"))[.posixPermissions] as? Int)
            let fileMode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            XCTAssertEqual(dirMode & 0o777, 0o700, backend.rawValue)
            XCTAssertEqual(fileMode & 0o777, 0o600, backend.rawValue)
        }
    }

    func testRecordAfterCloseThrows() async throws {
        let dir = try TempDir()
        let store = try AuditStore(backend: .sqlite, path: dir.file("a.sqlite"))
        try store.close()
        var s = Fixture.session()
        do {
            try await store.record(s.make(.sessionStart(.init())))
            XCTFail("recorded into a closed store")
        } catch let e as AuditStoreError {
            XCTAssertEqual(e, .closed)
        }
    }

    func testSearchFilters() async throws {
        try await Fixture.eachBackend { store, _ in
            let t0 = AuditTime(seconds: 1_700_000_000)
            var a = Fixture.session(user: "alice")
            var b = Fixture.session(user: "bob", db: AuditDatabase(service: "cache", protocol: "redis", uri: "h:6379"))
            var all: [AuditEvent] = []
            for i in 0..<10 {
                let t = t0.adding(nanoseconds: Int64(i) * 1_000_000_000)
                all.append(i % 2 == 0 ? Fixture.query(&a, "select \(i)", time: t) : Fixture.query(&b, "get k\(i)", time: t))
            }
            all.append(a.make(.sessionEnd(.init()), time: t0.adding(nanoseconds: 20_000_000_000)))
            try await store.record(contentsOf: all)

            XCTAssertEqual(try store.search(AuditSearch(user: "bob")).map(\.user), Array(repeating: "bob", count: 5))
            XCTAssertEqual(try store.search(AuditSearch(database: "cache")).count, 5)
            XCTAssertEqual(try store.search(AuditSearch(sessionID: a.sessionID)).count, 6)
            XCTAssertEqual(try store.search(AuditSearch(types: [.sessionEnd])).map(\.type), [.sessionEnd])
            let window = try store.search(AuditSearch(since: t0.adding(nanoseconds: 2_000_000_000),
                                                      until: t0.adding(nanoseconds: 5_000_000_000)))
            XCTAssertEqual(window, Array(all[2..<5]))
            // newest-last: the newest 3, in time order
            XCTAssertEqual(try store.search(AuditSearch(limit: 3)), Array(all[8...]))
            XCTAssertEqual(try store.search(AuditSearch(user: "nobody")), [])
        }
    }

    func testPlayIsOrderedByEventIndex() async throws {
        try await Fixture.eachBackend { store, _ in
            var s = Fixture.session()
            let events = (0..<20).map { i in Fixture.query(&s, "select \(i)") }
            // Committed out of order (concurrent sessions, clock skew): play still follows `ei`.
            try await store.record(contentsOf: events.reversed())
            var other = Fixture.session()
            try await store.record(Fixture.query(&other, "select 'other'"))
            XCTAssertEqual(try store.session(s.sessionID).map(\.index), Array(0..<20))
            XCTAssertEqual(try store.session(s.sessionID), events)
            XCTAssertEqual(try store.session("no-such-session"), [])
        }
    }

    func testJSONLinesSurvivesATornLastLine() async throws {
        let dir = try TempDir()
        let path = dir.file("audit.jsonl")
        var s = Fixture.session()
        let first = Fixture.query(&s, "select 1"), second = Fixture.query(&s, "select 2")
        var store = try AuditStore(backend: .jsonl, path: path)
        try await store.record(first)
        try store.close()
        // What a writer killed in the middle of write(2) leaves: half a line, no newline.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"code":"TDB02I","db_query":"sel"#.utf8))
        try handle.close()
        store = try AuditStore(backend: .jsonl, path: path)
        try await store.record(second)
        XCTAssertEqual(try store.search(AuditSearch()), [first, second])
        XCTAssertEqual(try store.session(s.sessionID), [first, second])
        try store.close()
    }

    func testCallbackRecordCompletesOnceAfterCommit() async throws {
        try await Fixture.eachBackend { store, _ in
            var s = Fixture.session()
            let events = (0..<200).map { Fixture.query(&s, "select \($0)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in stride(from: 0, to: events.count, by: 4) {
                    let batch = Array(events[chunk..<chunk + 4])
                    group.addTask {
                        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                            // A checked continuation traps if the completion ran twice.
                            store.record(batch) { error in
                                if let error { c.resume(throwing: error) } else { c.resume() }
                            }
                        }
                        let stored = Set(try store.session(batch[0].sessionID).map(\.id))
                        XCTAssertTrue(batch.allSatisfy { stored.contains($0.id) }, "committed before completion")
                    }
                }
                try await group.waitForAll()
            }
            XCTAssertEqual(try store.session(s.sessionID), events)
        }
    }
}

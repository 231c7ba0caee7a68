import Foundation
import GRDB
@testable import PosternAudit
import PosternCore
import XCTest

/// The SQLite store's journal: events are durable in it before they are indexed, a dead process's
/// segment is indexed exactly once by the next store, and nothing is left behind on a clean close.
final class AuditJournalTests: XCTestCase {
    func journalFiles(_ path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: AuditJournal.directory(of: path)).sorted()
    }

    func testACleanCloseIndexesEverythingAndRemovesItsSegments() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        let store = try AuditStore(backend: .sqlite, path: path)
        var s = Fixture.session()
        let events = (0..<500).map { Fixture.query(&s, "select \($0)") }
        for chunk in stride(from: 0, to: events.count, by: 7) {
            try store.recordNow(Array(events[chunk..<min(chunk + 7, events.count)]))
        }
        XCTAssertEqual(try journalFiles(path).count, 1, "one segment while open")
        try store.close()
        XCTAssertEqual(try journalFiles(path), [], "segments go once indexed")
        let reopened = try AuditStore(backend: .sqlite, path: path)
        defer { try? reopened.close() }
        XCTAssertEqual(try reopened.session(s.sessionID), events)
        XCTAssertEqual(try reopened.journalMarks(), [:], "no mark is left for a removed segment")
    }

    /// One commit of several sessions' records, interleaved (A A B A B B): the index takes a
    /// record at a time, and each event's position is where a later read finds that same event.
    func testInterleavedRecordsOfOneCommitKeepTheirEventsPositions() throws {
        let dir = try TempDir()
        let backend = try SQLiteAuditBackend(path: dir.file("audit.sqlite"), synchronous: .normal)
        defer { try? backend.close() }
        var a = Fixture.session(user: "a"), b = Fixture.session(user: "b")
        for _ in 0..<2 {
            let events = [Fixture.query(&a, "a"), Fixture.query(&a, "a"), Fixture.query(&b, "b"), Fixture.query(&a, "a"),
                          Fixture.query(&b, "b"), Fixture.query(&b, "b")]
            let stored = try backend.append(events)
            XCTAssertEqual(stored.count, events.count)
            XCTAssertEqual(stored.map(\.position), stored.map(\.position).sorted(), "in store order")
            XCTAssertEqual(Set(stored.map(\.position)).count, events.count)
            let read = try backend.events(after: (stored.first?.position ?? 1) - 1, limit: 100)
            XCTAssertEqual(read.map(\.position), stored.map(\.position))
            XCTAssertEqual(read.map(\.event), stored.map(\.event), "each position holds the event handed back for it")
            XCTAssertEqual(stored.map { $0.event.user }, ["a", "a", "a", "b", "b", "b"], "a session's records share a chunk")
        }
        XCTAssertEqual(try backend.session(a.sessionID).map(\.index), Array(0..<6))
    }

    /// Runs their writers encoded (the proxy's path) reach a live subscriber as the events they hold, in
    /// store order, each session's in order; the store reads them back the same; a run past a record's
    /// limit is refused, not journaled.
    func testRunsReachSubscribersAndTheStore() async throws {
        let dir = try TempDir()
        let store = try AuditStore(backend: .sqlite, path: dir.file("audit.sqlite"))
        defer { try? store.close() }
        let sub = try store.subscribe(pollInterval: .seconds(60))
        func session(_ user: String) -> AuditEncodedSession {
            AuditEncodedSession(sessionID: AuditEvent.newID(), clusterName: "c", user: user, database: Fixture.db, origin: .none)
        }
        let a = session("a"), b = session("b")
        var runs: [AuditEncodedRun] = []
        var next = ["a": Int64(0), "b": Int64(0)]
        for (s, n) in [(a, 3), (b, 2), (a, 1), (b, 4)] {
            var run = AuditEncodedRun(session: s)
            for _ in 0..<n {
                let i = next[s.user] ?? 0
                next[s.user] = i + 1
                if i % 2 == 0 {
                    run.append(index: i, time: 1_000 + i, details: .query(.init(query: "select \(i)")))
                } else {
                    run.append(index: i, time: 1_000 + i, result: .init(queryID: "", durationMicroseconds: 1, commandTag: "SELECT 1"),
                               answering: i - 1)
                }
            }
            runs.append(run)
        }
        try store.recordNow(runs)
        let expected = try AuditEncodedRun.events(of: runs)
        // Delivered by the commit itself: the subscription's own poll (60 s) would come too late.
        let got = try await withThrowingTaskGroup(of: [AuditEvent]?.self) { group in
            group.addTask {
                var got: [AuditEvent] = []
                for try await e in sub {
                    got.append(e)
                    if got.count == expected.count { break }
                }
                return got
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return try XCTUnwrap(first, "the runs' events did not reach the subscriber")
        }
        for user in ["a", "b"] {
            XCTAssertEqual(got.filter { $0.user == user }, expected.filter { $0.user == user }, user)
        }
        XCTAssertEqual(try store.session(a.sessionID), expected.filter { $0.user == "a" })
        guard case .result(let r) = try store.session(b.sessionID)[1].details else { return XCTFail("a result") }
        XCTAssertEqual(r.queryID, AuditEncodedRun.derivedID(session: b.sessionID, index: 0))
        var tooLong = AuditEncodedRun(session: a)
        for i in 0...AuditEncodedRun.maxEvents { tooLong.append(index: 100 + Int64(i), time: 1, details: .query(.init(query: "x"))) }
        XCTAssertThrowsError(try store.recordNow([tooLong]))
        XCTAssertEqual(try store.session(a.sessionID).count, 4, "nothing of the refused run was journaled")
    }

    /// A segment as a process killed mid-write leaves it: complete lines, then a torn one.
    func testADeadProcessesSegmentIsIndexedOnceAndRemoved() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        try AuditStore(backend: .sqlite, path: path).close() // creates the directory and schema
        var s = Fixture.session()
        let events = (0..<20).map { Fixture.query(&s, "select \($0)") }
        var lines: [UInt8] = []
        for e in events { AuditJournalLine.append(AuditIndexRow(try EncodedAuditEvent(e)), to: &lines) }
        var bytes = Data(lines)
        bytes += Data("1764400000000000000\tdb.session.query\tTDB02I\talice\torders-prod\t".utf8)
        let segment = AuditJournal.directory(of: path) + "/4242-dead.jsonl"
        XCTAssertTrue(FileManager.default.createFile(atPath: segment, contents: bytes, attributes: [.posixPermissions: 0o600]))
        let unfinished = AuditJournal.directory(of: path) + "/4243-born.jsonl.new" // died before its rename
        XCTAssertTrue(FileManager.default.createFile(atPath: unfinished, contents: Data(), attributes: [
            .posixPermissions: 0o600, .modificationDate: Date(timeIntervalSinceNow: -120),
        ]))
        let young = AuditJournal.directory(of: path) + "/4245-born.jsonl.new" // may be about to take its lock
        XCTAssertTrue(FileManager.default.createFile(atPath: young, contents: Data(), attributes: [.posixPermissions: 0o600]))

        let first = try AuditStore(backend: .sqlite, path: path)
        XCTAssertEqual(try first.session(s.sessionID), events, "every complete line, the torn one skipped")
        XCTAssertFalse(FileManager.default.fileExists(atPath: segment), "the dead segment is removed once indexed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: unfinished), "an old unfinished segment is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: young), "a young one is left alone")
        try first.close()
        let second = try AuditStore(backend: .sqlite, path: path)
        defer { try? second.close() }
        XCTAssertEqual(try second.session(s.sessionID).count, events.count, "indexed once")
        unlink(young)
    }

    /// A reader that opened a segment before another indexed it all, removed it and dropped its mark
    /// reads nothing more from it: without the mark it would index it all again.
    func testASegmentRemovedUnderAnOpenReaderIsNotIndexedAgain() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        let store = try AuditStore(backend: .sqlite, path: path)
        defer { try? store.close() }
        let sqlite = try XCTUnwrap(store.storage as? SQLiteAuditBackend)
        var s = Fixture.session()
        let events = (0..<10).map { Fixture.query(&s, "select \($0)") }
        var lines: [UInt8] = []
        for e in events { AuditJournalLine.append(AuditIndexRow(try EncodedAuditEvent(e)), to: &lines) }
        let name = "00000000000000000001-4246-dead.jsonl"
        let directory = AuditJournal.directory(of: path)
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(lines),
                                                     attributes: [.posixPermissions: 0o600]))
        // One process replays the dead segment (it got the lock); another opened it just after.
        let replayer = try XCTUnwrap(JournalSegmentReader(directory: directory, name: name))
        let late = try XCTUnwrap(JournalSegmentReader(directory: directory, name: name))
        defer { late.close() }
        XCTAssertTrue(replayer.dead)
        XCTAssertFalse(late.dead, "the lock is taken")
        while try sqlite.indexChunk(of: replayer, name: name) {}
        unlink(replayer.path)
        try sqlite.forget([name])
        replayer.close()

        XCTAssertFalse(try sqlite.indexChunk(of: late, name: name), "nothing read from a removed segment")
        XCTAssertEqual(try store.session(s.sessionID), events, "each event once")
        XCTAssertEqual(try store.journalMarks(), [:])
    }

    /// Segment names begin with their creation time, so they sort (and are replayed) in the order
    /// they were written.
    func testSegmentNamesSortInCreationOrder() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        let first = try AuditJournal(storePath: path)
        let second = try AuditJournal(storePath: path)
        let names = [first, second].flatMap(\.ownSegments)
        XCTAssertEqual(names, names.sorted())
        XCTAssertEqual(AuditJournal.segments(in: first.directory, except: []), names)
        _ = first.close(indexed: true)
        _ = second.close(indexed: true)
    }

    /// `synchronous: full` commits straight to SQLite (no journal), and still indexes what a process
    /// using the journal left behind when it died.
    func testAFullSyncStoreHasNoJournalAndReplaysADeadOne() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        try AuditStore(backend: .sqlite, path: path).close()
        var s = Fixture.session()
        let dead = (0..<5).map { Fixture.query(&s, "select \($0)") }
        var lines: [UInt8] = []
        for e in dead { AuditJournalLine.append(AuditIndexRow(try EncodedAuditEvent(e)), to: &lines) }
        let segment = AuditJournal.directory(of: path) + "/4244-dead.jsonl"
        XCTAssertTrue(FileManager.default.createFile(atPath: segment, contents: Data(lines), attributes: [.posixPermissions: 0o600]))

        let store = try AuditStore(backend: .sqlite, path: path, synchronous: .full)
        XCTAssertFalse(store.prefersCallerCommits, "commits go through the writer thread")
        XCTAssertEqual(try journalFiles(path), [], "the dead segment is indexed and removed; no segment of its own")
        let more = Fixture.query(&s, "select 5")
        let committed = expectation(description: "committed")
        store.record([(more)]) { error in
            XCTAssertNil(error)
            committed.fulfill()
        }
        wait(for: [committed], timeout: 10)
        XCTAssertEqual(try store.session(s.sessionID), dead + [more])
        XCTAssertEqual(try journalFiles(path), [])
        try store.close()
    }

    /// Another process's events are searchable as soon as it journaled them, and its own index then
    /// skips what the reader indexed: each event is stored once.
    func testAnotherStoresJournaledEventsAreSearchableAtOnceAndStoredOnce() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        let writer = try AuditStore(backend: .sqlite, path: path)
        let reader = try AuditStore(backend: .sqlite, path: path)
        var s = Fixture.session()
        var expected: [AuditEvent] = []
        for round in 0..<20 {
            let batch = (0..<5).map { Fixture.query(&s, "select \(round).\($0)") }
            try writer.recordNow(batch)
            expected += batch
            XCTAssertEqual(try reader.session(s.sessionID), expected, "round \(round)")
        }
        try writer.close()
        XCTAssertEqual(try reader.session(s.sessionID), expected)
        XCTAssertEqual(try reader.search(AuditSearch(limit: 1000)).count, expected.count, "no event indexed twice")
        try reader.close()
        XCTAssertEqual(try journalFiles(path), [])
    }

    /// Past its bound the index stops holding events in memory and reads them back from the journal.
    func testAnIndexThatFallsBehindCatchesUpFromTheJournal() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        let store = try AuditStore(backend: .sqlite, path: path, synchronous: .normal, indexQueueBound: 10,
                                   logger: .init(label: "test"))
        var s = Fixture.session()
        let events = (0..<3000).map { Fixture.query(&s, "select \($0)") }
        for chunk in stride(from: 0, to: events.count, by: 4) {
            try store.recordNow(Array(events[chunk..<chunk + 4]))
        }
        XCTAssertEqual(try store.session(s.sessionID), events)
        try store.close()
        XCTAssertEqual(try journalFiles(path), [])
    }
}

final class AuditJournalLineTests: XCTestCase {
    func testColumnsRoundTripWhateverTheyHold() throws {
        var s = Fixture.session(user: "tab\tnew\nline\r%41%")
        let start = s.make(.sessionStart(.init()))
        for event in [start, Fixture.query(&s, "select '\t'"), s.make(.sessionEnd(.init()))] {
            let row = AuditIndexRow(try EncodedAuditEvent(event))
            var line: [UInt8] = []
            AuditJournalLine.append(row, to: &line)
            XCTAssertEqual(line.filter { $0 == 10 }.count, 1, "one line per event")
            let parsed = try XCTUnwrap(AuditJournalLine.parse(line.dropLast()))
            XCTAssertEqual([parsed.user, parsed.event, parsed.code, parsed.sessionID, parsed.uid, parsed.dbService, parsed.lineJSON],
                           [row.user, row.event, row.code, row.sessionID, row.uid, row.dbService, row.lineJSON])
            XCTAssertEqual([parsed.time, parsed.index], [row.time, row.index])
            XCTAssertEqual(parsed.endsSession, event.type == .sessionEnd)
            XCTAssertNil(AuditJournalLine.parse(line.dropLast(2)), "a torn line is not a row")
        }
        XCTAssertNil(AuditJournalLine.parse(Array("1\ta\tb\tc\td\te\t1\tf\t0\t{}".utf8).dropFirst(0).prefix(5)))
    }
}

extension AuditStore {
    /// The SQLite store's journal marks: segment → indexed to.
    func journalMarks() throws -> [String: Int64] {
        guard let sqlite = storage as? SQLiteAuditBackend else { return [:] }
        return try sqlite.pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT segment, indexed_to FROM audit_journal").map {
                ($0["segment"] as String, $0["indexed_to"] as Int64)
            })
        }
    }
}

/// The bytes a record is stored and chained as, pinned: stores written by earlier builds must
/// verify and replay under later ones, however the writing code is made faster.
final class AuditRecordBytesTests: XCTestCase {
    static let row = AuditIndexRow(time: 1_733_390_000_123_456_789, event: "db.session.query", code: "TDB02I",
                                   user: "ops\t%\u{E9}", dbService: "orders\nprod\r", sessionID: "5f1c-sid",
                                   index: 42, uid: "u-1", endsSession: false, json: #"{"query":"select '\t'"}"#)

    func testChainHashIsPinned() {
        let previous = AuditChainLink.genesis(session: Self.row.sessionID)
        XCTAssertEqual(AuditChainLink.hex(previous), "404527b3fb600511b016f51b9659c6e5c89ac02a535b854e2b79d62358911a5e")
        XCTAssertEqual(AuditChainLink.hex(AuditChainLink.hash(previous: previous, row: Self.row)), "c064c4ef31067b12b73fe98dfc8143990c6ba05e027fbf7d5884b18acce8db0b")
    }

    func testJournalLineIsPinned() {
        var row = Self.row
        row.chain = AuditChainLink(previous: [UInt8](repeating: 0xA5, count: 32), hash: (0..<32).map { UInt8($0) })
        var line: [UInt8] = []
        AuditJournalLine.append(row, to: &line)
        let expected = ["1733390000123456789", "db.session.query", "TDB02I", "ops%09%25\u{E9}", "orders%0Aprod%0D", "5f1c-sid",
                        "42", "u-1", "0", String(repeating: "a5", count: 32) + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                        #"{"query":"select '\t'"}"#].joined(separator: "\t") + "\n"
        XCTAssertEqual(String(decoding: line, as: UTF8.self), expected)
    }
}

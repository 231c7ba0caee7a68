import Foundation
import GRDB
@testable import PosternAudit
import PosternCore
import XCTest

/// Journal records (store v8): a session's events of one commit in binary, one chain link each.
/// They read back as the events they were written from, render the same JSON, and any change to
/// their bytes is either unreadable or fails their hash.
final class AuditRecordLineTests: XCTestCase {
    /// Texts holding what a line or the stuffing must survive: newline, ESC, tab, `%`, NUL, non-ASCII.
    static let tricky = "a\nb\u{1B}c\td%e\u{0}f\u{E9}\u{1F600}"

    static func everyKind() -> [AuditEvent] {
        let db = AuditDatabase(service: tricky, protocol: "postgres", uri: "127.0.0.1:5432", name: tricky, user: tricky,
                               labels: ["env": tricky, "a": ""], awsRegion: "eu-west-1", awsRedshiftClusterID: tricky,
                               roles: [tricky, "r2"], type: "rds", origin: "discovery")
        var s = AuditSessionEvents(clusterName: tricky, user: tricky, sessionID: "0f8fad5b-d9cb-469f-a165-70867728950e", database: db)
        s.database = db
        let status = AuditStatus.failed(tricky, message: tricky)
        let details: [AuditEventDetails] = [
            .sessionStart(.init(status: status, serverID: tricky, serverHostname: "h", serverVersion: "15", localAddr: "127.0.0.1:1",
                                remoteAddr: "127.0.0.1:2", userAgent: tricky, postgresPID: UInt32.max,
                                startupParameters: ["application_name": tricky, "x": ""])),
            .sessionStart(.init()),
            .query(.init(query: tricky, parameters: [tricky, ""], status: .ok)),
            .query(.init(query: "", status: status)),
            .postgresParse(.init(statementName: tricky, query: tricky)),
            .postgresBind(.init(statementName: "", portalName: tricky, parameters: [tricky])),
            .postgresExecute(.init(portalName: tricky)),
            .postgresClose(.init(statementName: tricky, portalName: "")),
            .postgresFunction(.init(functionOID: UInt32.max, functionArgs: [tricky])),
            .malformedPacket(.init(payload: [10, 0x1B, 0, 0xFF, 10])),
            .malformedPacket(.init(payload: [])),
            .result(.init(queryID: tricky, status: status, sqlState: "42P01", affectedRecords: UInt64.max,
                          durationMicroseconds: -5, commandTag: tricky)),
            .result(.init(queryID: "q", affectedRecords: nil, durationMicroseconds: 1_234_567)),
            .sessionEnd(.init(sessionStart: AuditTime(nanoseconds: -1), sessionStop: AuditTime(nanoseconds: Int64.max),
                              localAddr: tricky, remoteAddr: "", participants: [tricky, "b"], reason: tricky)),
            .sessionEnd(.init()),
        ]
        var events = details.enumerated().map { i, d in s.make(d, time: AuditTime(nanoseconds: Int64(i) * 1_000_000_007 - 3)) }
        events[1].origin = AuditOrigin(login: tricky, uid: 0, clientAddress: "127.0.0.1 22 127.0.0.1 2222")
        events[2].origin = events[1].origin
        events[3].id = ""
        return events
    }

    func testEveryKindReadsBackAsWrittenWithTheSameJSON() throws {
        let events = Self.everyKind()
        // Each event alone (the origin differs between some of them: a record holds one session's).
        for (i, e) in events.enumerated() {
            let linked = AuditChainTips().link([e])
            XCTAssertEqual(linked.bytes.filter { $0 == 10 }.count, 1, "one line, kind \(i)")
            let rows = try XCTUnwrap(AuditJournalLine.rows(linked.bytes.dropLast(), checking: true), "kind \(i)")
            XCTAssertEqual(rows.count, 1)
            guard case .event(let back)? = rows.first?.payload else { return XCTFail("kind \(i)") }
            XCTAssertEqual(back, e, "kind \(i)")
            XCTAssertEqual(try rows[0].payload.json(at: 0), try e.jsonString(), "kind \(i)")
            XCTAssertEqual(rows[0].part?.intact, true)
            XCTAssertEqual(rows[0].endsSession, e.type == .sessionEnd || (e.type == .sessionStart && e.code == AuditCode.sessionStartFailure))
            XCTAssertEqual([rows[0].user, rows[0].dbService, rows[0].sessionID, rows[0].event, rows[0].code, rows[0].uid],
                           [e.user, e.database.service, e.sessionID, e.type.rawValue, e.code, e.id])
        }
        // One session's run of events is one record.
        let same = events.enumerated().filter { $0.offset != 1 && $0.offset != 2 }.map(\.element)
        let linked = AuditChainTips().link(same)
        XCTAssertEqual(linked.bytes.filter { $0 == 10 }.count, 1)
        let parsed = try XCTUnwrap(AuditRecordLine.parse(linked.bytes.dropLast()))
        XCTAssertEqual(parsed.events, same)
        XCTAssertTrue(parsed.intact)
        XCTAssertEqual(linked.entries.count, 1)
        let entry = linked.entries[0]
        XCTAssertEqual(entry.count, same.count)
        XCTAssertEqual([entry.firstIndex, entry.lastIndex], [same.map(\.index).min(), same.map(\.index).max()])
        XCTAssertEqual([entry.firstTime, entry.lastTime], [same.map(\.time.nanoseconds).min(), same.map(\.time.nanoseconds).max()])
        XCTAssertEqual(Set(entry.types), Set(same.map(\.type.rawValue)))
        XCTAssertEqual(entry.types.count, Set(entry.types).count, "each type once")
        XCTAssertEqual(entry.endsSession, same.contains { SQLiteAuditBackend.endsSession($0) })
        XCTAssertEqual(Array(entry.line), Array(linked.bytes.dropLast()))
    }

    /// A run its writer encoded (the proxy's path) is the record the same events would make, byte
    /// for byte, for every kind of event; its index entry says the same; it decodes to the events.
    func testARunIsTheRecordItsEventsMake() throws {
        // One session's events (the origin is the session's), with the ids a run derives.
        var events = Self.everyKind().enumerated().filter { $0.offset != 1 && $0.offset != 2 }.map(\.element)
        for i in events.indices { events[i].id = AuditEncodedRun.derivedID(session: events[i].sessionID, index: Int(events[i].index)) }
        let e0 = events[0]
        var run = AuditEncodedRun(session: AuditEncodedSession(sessionID: e0.sessionID, clusterName: e0.clusterName, user: e0.user,
                                                               database: e0.database, origin: e0.origin))
        for e in events { run.append(index: e.index, time: e.time.nanoseconds, details: e.details) }
        XCTAssertEqual(run.decoded(), events)
        XCTAssertEqual(try AuditEncodedRun.events(of: [run, AuditEncodedRun(session: run.session), run]), events + events)
        let fromRun = AuditChainTips().link([run])
        let fromEvents = AuditChainTips().link(events)
        XCTAssertEqual(fromRun.bytes, fromEvents.bytes)
        XCTAssertEqual(fromRun.ends, fromEvents.ends)
        XCTAssertEqual(fromRun.events, events.count)
        let (a, b) = (try XCTUnwrap(fromRun.entries.first), try XCTUnwrap(fromEvents.entries.first))
        XCTAssertEqual([a.sessionID, a.user, a.dbService], [b.sessionID, b.user, b.dbService])
        XCTAssertEqual([a.firstTime, a.lastTime, a.firstIndex, a.lastIndex], [b.firstTime, b.lastTime, b.firstIndex, b.lastIndex])
        XCTAssertEqual([a.count, a.types.count], [b.count, b.types.count])
        XCTAssertEqual(Set(a.types), Set(b.types))
        XCTAssertEqual(a.endsSession, b.endsSession)
        XCTAssertEqual(a.lastEnds, b.lastEnds)
        XCTAssertEqual(fromRun.moves.map(\.ends), fromEvents.moves.map(\.ends))
        XCTAssertEqual(a.chain, b.chain)
        XCTAssertEqual(fromRun.moves.map(\.hash), fromEvents.moves.map(\.hash))
    }

    /// A run is full at a record's limits (its writer then starts another).
    func testARunIsFullAtARecordsLimits() throws {
        var s = Fixture.session()
        let first = Fixture.query(&s, "select 1")
        let session = AuditEncodedSession(sessionID: first.sessionID, clusterName: first.clusterName, user: first.user,
                                          database: first.database, origin: first.origin)
        var many = AuditEncodedRun(session: session)
        for i in 0..<AuditEncodedRun.maxEvents {
            XCTAssertFalse(many.isFull)
            many.append(index: Int64(i), time: 1, details: .query(.init(query: "select 1")))
        }
        XCTAssertTrue(many.isFull)
        var big = AuditEncodedRun(session: session)
        big.append(index: 0, time: 1, details: .query(.init(query: String(repeating: "x", count: AuditEncodedRun.maxEventBytes))))
        XCTAssertTrue(big.isFull)
        XCTAssertEqual(AuditRecordLine.parse(AuditChainTips().link([many]).bytes.dropLast())?.events.count, AuditEncodedRun.maxEvents)
    }

    /// Long runs are split into records of at most `maxEvents`, chained one to the next.
    func testALongRunIsSplitIntoChainedRecords() throws {
        var s = Fixture.session()
        let events = (0..<(AuditRecordLine.maxEvents + 5)).map { Fixture.query(&s, "select \($0)") }
        let linked = AuditChainTips().link(events)
        let lines = linked.bytes.split(separator: 10)
        XCTAssertEqual(lines.count, 2)
        let first = try XCTUnwrap(AuditRecordLine.parse(lines[0]))
        let second = try XCTUnwrap(AuditRecordLine.parse(lines[1]))
        XCTAssertEqual(first.events.count, AuditRecordLine.maxEvents)
        XCTAssertEqual(second.link.previous, first.link.hash)
        XCTAssertEqual(first.events + second.events, events)
        // One entry per record: each with its count, end, link, line and move.
        let n = AuditRecordLine.maxEvents
        XCTAssertEqual(linked.entries.map(\.count), [n, 5])
        XCTAssertEqual(linked.entries.map(\.firstIndex), [events[0].index, events[n].index])
        XCTAssertEqual(linked.entries.map(\.lastIndex), [events[n - 1].index, events[n + 4].index])
        XCTAssertEqual(linked.ends, [Int64(lines[0].count + 1), Int64(linked.bytes.count)])
        XCTAssertEqual(linked.entries.map(\.chain), [first.link, second.link])
        XCTAssertEqual(linked.entries.map { Array($0.line) }, lines.map { Array($0) })
        XCTAssertEqual(linked.moves.map(\.hash), [first.link.hash, second.link.hash])
        XCTAssertEqual(linked.events, n + 5)
    }

    /// Records close at `maxEventBytes` of events, and where the session's fields change (the same
    /// sid with another user): each reads back as written.
    func testRecordsCloseAtTheirByteBudgetAndWhereTheSessionChanges() throws {
        var s = Fixture.session()
        let big = String(repeating: "x", count: AuditRecordLine.maxEventBytes * 3 / 5)
        var events = (0..<3).map { Fixture.query(&s, "select '\(big)' -- \($0)") }
        var other = Fixture.query(&s, "select 4")
        other.user = "mallory"
        events.append(other)
        events.append(Fixture.query(&s, "select 5"))
        let lines = AuditChainTips().link(events).bytes.split(separator: 10)
        let parsed = try lines.map { try XCTUnwrap(AuditRecordLine.parse($0)) }
        XCTAssertEqual(parsed.map(\.events.count), [2, 1, 1, 1])
        XCTAssertEqual(parsed.flatMap(\.events), events)
        XCTAssertEqual(parsed.map { $0.events[0].user }, ["alice", "alice", "mallory", "alice"])
    }

    /// A record claiming more than `maxEvents` is not one (a reader never reserves what a damaged
    /// count says); times at the ends of the range render without trapping.
    func testLimitsAndExtremeTimesAreSafe() throws {
        var s = Fixture.session()
        let events = (0...AuditRecordLine.maxEvents).map { Fixture.query(&s, "select \($0)") }
        var content = AuditRecordWriter()
        AuditRecordLine.writeContent(events[...], into: &content)
        var line: [UInt8] = []
        _ = AuditRecordLine.append(content: content.bytes[...], previous: AuditChainLink.genesis(session: s.sessionID), to: &line)
        XCTAssertNil(AuditRecordLine.parse(line.dropLast()))
        for nanos in [Int64.min, Int64.min + 1, -1, Int64.max] {
            var e = s.make(.sessionEnd(.init(sessionStart: AuditTime(nanoseconds: nanos), sessionStop: AuditTime(nanoseconds: nanos))))
            e.time = AuditTime(nanoseconds: nanos)
            let rows = try XCTUnwrap(AuditJournalLine.rows(AuditChainTips().link([e]).bytes.dropLast()))
            XCTAssertEqual(try rows[0].payload.json(at: 0), try e.jsonString())
        }
        XCTAssertEqual(AuditTime(nanoseconds: Int64.min).rfc3339, "1677-09-21T00:12:43.145224192Z")
    }

    /// Every cut and every changed byte of a record: never a crash, never a record that passes.
    func testEveryDamageIsUnreadableOrFailsItsHash() throws {
        var s = Fixture.session()
        let events = [Fixture.query(&s, "select 1"), s.make(.result(.init(queryID: "q", affectedRecords: 1, durationMicroseconds: 9)))]
        let line = Array(AuditChainTips().link(events).bytes.dropLast())
        for cut in 0..<line.count {
            if let parsed = AuditRecordLine.parse(line[..<cut]) { XCTAssertFalse(parsed.intact, "cut at \(cut)") }
        }
        for i in line.indices {
            for flip: UInt8 in [1, 0x80, 0xFF] {
                var damaged = line
                damaged[i] ^= flip
                if damaged[i] == 10 { continue } // a newline splits the line: two unreadable lines
                if let parsed = AuditRecordLine.parse(damaged[...]) {
                    XCTAssertFalse(parsed.intact, "byte \(i) ^ \(flip)")
                }
            }
        }
    }

    /// The bytes of a record, pinned: stores written by this build must verify and replay under
    /// later ones, however the writing code changes.
    func testRecordBytesArePinned() throws {
        let event = Self.pinnedEvent
        let linked = AuditChainTips().link([event])
        XCTAssertEqual(AuditChainLink.hex(linked.entries[0].chain?.hash ?? []), Self.pinnedHash)
        XCTAssertEqual(AuditChainLink.hex(linked.bytes), Self.pinnedLine)
        // Ids derived from the session id are written as their `ei`: the event's own (0), another (1, ei).
        var derived = event
        derived.id = AuditEncodedRun.derivedID(session: "sid", index: 10)
        derived.details = .result(.init(queryID: AuditEncodedRun.derivedID(session: "sid", index: 9), affectedRecords: 1,
                                        durationMicroseconds: 5, commandTag: "SELECT 1"))
        XCTAssertEqual(derived.id, "sid-00000000000a")
        let line = AuditChainTips().link([derived]).bytes
        XCTAssertEqual(AuditChainLink.hex(Array(line.suffix(21))), Self.pinnedDerivedEvent)
        XCTAssertEqual(AuditRecordLine.parse(line.dropLast())?.events, [derived])
    }

    /// Any id reads back as written: those derived from the session id are stored as their `ei`,
    /// look-alikes that `derivedID` would not give back (upper case, a leading zero too many,
    /// another session's) as text.
    func testIdsReadBackWhateverTheirShape() throws {
        for sid in ["sid", "0f8fad5b-d9cb-469f-a165-70867728950e", ""] {
            let derived = [0, 10, Int(Int64.max), -1, 1 << 48].map { AuditEncodedRun.derivedID(session: sid, index: $0) }
            let other = ["", "SID-00000000000A", derived[1].uppercased(), derived[1].replacingOccurrences(of: "-0", with: "-00"),
                         derived[1] + "0", "x" + derived[1], AuditEncodedRun.derivedID(session: sid + "x", index: 10),
                         String(derived[1].dropLast()), derived[1].replacingOccurrences(of: "a", with: "g")]
            for id in derived + other {
                for queryID in [id, derived[1]] {
                    let e = AuditEvent(index: 10, id: id, time: AuditTime(nanoseconds: 1), clusterName: "c", user: "u", sessionID: sid,
                                       database: AuditDatabase(service: "s", protocol: "redis", uri: "127.0.0.1:1", name: "", user: "d"),
                                       details: .result(.init(queryID: queryID, durationMicroseconds: 0, commandTag: "")))
                    let line = AuditChainTips().link([e]).bytes.dropLast()
                    XCTAssertEqual(AuditRecordLine.parse(line)?.events, [e], "sid \(sid), id \(id), query id \(queryID)")
                }
                XCTAssertEqual(AuditEncodedRun.derivedIndex(of: id, session: sid) != nil, derived.contains(id), "sid \(sid), id \(id)")
            }
        }
    }

    /// A record of the version before (ids as text) still reads, verifies and chains.
    func testVersion2RecordsStillRead() throws {
        let parsed = try XCTUnwrap(AuditRecordLine.parse(ArraySlice(try XCTUnwrap(AuditChainLink.unhex(Array(Self.pinnedLineV2.utf8))).dropLast())))
        XCTAssertTrue(parsed.intact)
        XCTAssertEqual(parsed.events, [Self.pinnedEvent])
        XCTAssertEqual(AuditChainLink.hex(parsed.link.hash), Self.pinnedHashV2)
    }

    static let pinnedEvent = AuditEvent(
        index: 10, id: "u\n1", time: AuditTime(nanoseconds: 1_733_390_000_123_456_789), clusterName: "c", user: "ops", sessionID: "sid",
        database: AuditDatabase(service: "orders", protocol: "postgres", uri: "127.0.0.1:5432", name: "app", user: "reader"),
        details: .query(.init(query: "select '\u{1B}'")))

    static let pinnedHash = "fb3df1827233b5c4b78568826148f0c7ccbaa34c87b7358437b8a1cf347c3dae"
    // "R", the link (previous, own), then the content: version 3, the session's fields (sid, cluster,
    // user, database, origin), one event (ei 10 as ESC 01, time, uid "u\n1" as text (2), query "select '\e'", status).
    static let pinnedLine = "5292a2467d30cfae302a42173bd490e05273767c5514735af5e1b4b7ccce15d455"
        + "fb3df1827233b5c4b78568826148f0c7ccbaa34c87b7358437b8a1cf347c3dae"
        + "03037369640163036f7073066f726465727308706f7374677265730e3132372e302e302e313a353433320361707006726561646572000000000000000000011b"
        + "01180e3d056e92ad150203751b0131021b0173656c65637420271b0227000100000a"
    // The end of a record whose ids are derived: after ei 10 and the time, uid as "own" (0), result (9)
    // whose query uid is ei 9 (1, 9), status ok, no SQLSTATE, 1 row, 5 µs, tag "SELECT 1"; the newline.
    static let pinnedDerivedEvent = "00" + "09" + "0109" + "010000" + "00" + "0101" + "05" + "0853454c4543542031" + "0a"
    // The same event in a record of version 2 (uid as text, no tag).
    static let pinnedHashV2 = "f7ec4642de438fd3e365bdf0372f49e817eabe7f34a24635a311a909b0c3f15e"
    static let pinnedLineV2 = "5292a2467d30cfae302a42173bd490e05273767c5514735af5e1b4b7ccce15d455"
        + "f7ec4642de438fd3e365bdf0372f49e817eabe7f34a24635a311a909b0c3f15e"
        + "02037369640163036f7073066f726465727308706f7374677265730e3132372e302e302e313a35343332036170700672656164657200000000000000000001"
        + "1b01180e3d056e92ad1503751b0131021b0173656c65637420271b0227000100000a"

    /// Records of several events (a commit of five statements each): a changed byte in a later
    /// event, a removed record and a cut tail are named by the record's first `ei`.
    func testTamperingWithMultiEventRecordsIsNamed() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        let store = try AuditStore(backend: .sqlite, path: path)
        var s = Fixture.session()
        let events = (0..<20).map { Fixture.query(&s, "select \($0) -- ") }
        for batch in stride(from: 0, to: 20, by: 5) { try store.recordNow(Array(events[batch..<(batch + 5)])) }
        try store.close()
        XCTAssertTrue(try AuditVerifier.verify(storePath: path).intact)
        let q = try DatabaseQueue(path: path)
        defer { try? q.close() }
        let original = try q.read { db in try Row.fetchAll(db, sql: "SELECT id, lines FROM audit_chunks ORDER BY id") }
            .map { ($0["id"] as Int64, [UInt8]($0["lines"] as Data)) }
        func rewrite(_ edit: (inout [[UInt8]]) -> Void) throws -> [AuditChainProblem] {
            try q.write { db in
                for (id, blob) in original {
                    var lines = blob.split(separator: 10).map(Array.init)
                    edit(&lines)
                    // Its columns made to match, as a careful forger would: only the chain can tell.
                    let edited = Data(lines.flatMap { $0 + [10] })
                    var c = AuditChunks.Builder(try XCTUnwrap(AuditChunks.records(id: id, lines: Data(blob)).first?.row))
                    for case let (_, row?, _) in AuditChunks.records(id: id, lines: edited) { c.describe(row) }
                    try db.execute(sql: """
                        UPDATE audit_chunks SET lines = ?, count = ?, first_time = ?, last_time = ?, first_ei = ?, last_ei = ?, types = ?
                          WHERE id = ?
                        """, arguments: [edited, c.count, c.firstTime, c.lastTime, c.firstEI, c.lastEI, c.typesColumn, id])
                }
            }
            return try AuditVerifier.verify(storePath: path).problems
        }
        func record(_ lines: [[UInt8]], holding ei: Int64) -> Int? {
            lines.firstIndex { AuditRecordLine.parse($0[...])?.events.contains { $0.index == ei } == true }
        }
        var problems = try rewrite { lines in
            guard let i = record(lines, holding: 7), let at = lines[i].indices.first(where: { lines[i][$0...].starts(with: Array("select 7 ".utf8)) })
            else { return XCTFail("no record 7") }
            lines[i][at + 7] = UInt8(ascii: "8")
        }
        XCTAssertEqual(problems.map(\.kind), [.changed])
        XCTAssertEqual(problems.first?.index, 5)
        problems = try rewrite { lines in lines.removeAll { AuditRecordLine.parse($0[...])?.events.first?.index == 5 } }
        XCTAssertEqual(problems.map(\.kind), [.missing])
        XCTAssertEqual(problems.first?.index, 10)
        problems = try rewrite { lines in lines.removeAll { AuditRecordLine.parse($0[...])?.events.first?.index == 15 } }
        XCTAssertEqual(problems.map(\.kind), [.truncated])
        XCTAssertEqual(problems.first?.index, 14)
        XCTAssertTrue(try rewrite { _ in }.isEmpty)
    }

    /// A session long enough to be read on several cores reads exactly as one core would: its
    /// events in order, their JSON, and `play`'s layout (JSONEncoder's pretty array).
    func testALongSessionReadsAsWritten() throws {
        let dir = try TempDir()
        let store = try AuditStore(backend: .sqlite, path: dir.file("audit.sqlite"))
        defer { try? store.close() }
        var s = Fixture.session()
        let events = (0..<6000).map { Fixture.query(&s, "select \($0), '\u{E9}\t\"'") }
        for batch in stride(from: 0, to: events.count, by: 7) { try store.recordNow(Array(events[batch..<min(batch + 7, events.count)])) }
        XCTAssertEqual(try store.session(s.sessionID), events)
        let json = try store.sessionJSON(s.sessionID)
        XCTAssertEqual(json, try events.map { try $0.jsonString() })
        XCTAssertEqual(AuditJSON.prettyArray(json), String(decoding: try AuditJSON.encoder(pretty: true).encode(events), as: UTF8.self))
        // Verified in batches of chunks: 300 more sessions make 300 more chunks (over one batch of 256).
        var others = (0..<300).map { _ in Fixture.session() }
        try store.recordNow(others.indices.map { Fixture.query(&others[$0], "select 1") })
        let report = try store.verify()
        XCTAssertTrue(report.intact, "\(report.problems)")
        XCTAssertEqual([report.sessions, report.records], [301, events.count + 300])
    }

    /// A dead process's segment of records: replayed once (its torn last record skipped), and the
    /// store then verifies.
    func testADeadSegmentOfRecordsIsReplayedAndVerifies() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        try AuditStore(backend: .sqlite, path: path).close()
        var s = Fixture.session()
        let events = (0..<20).map { Fixture.query(&s, "select \($0)") }
        let tips = AuditChainTips()
        var bytes: [UInt8] = []
        for chunk in stride(from: 0, to: 20, by: 3) {
            let linked = tips.link(Array(events[chunk..<min(chunk + 3, 20)]))
            tips.commit(linked.moves)
            bytes += linked.bytes
        }
        let torn = tips.link([Fixture.query(&s, "select torn")]).bytes
        bytes += torn.prefix(torn.count / 2)
        let segment = AuditJournal.directory(of: path) + "/00000000000000000001-4242-dead" + AuditJournal.suffix
        XCTAssertTrue(FileManager.default.createFile(atPath: segment, contents: Data(bytes), attributes: [.posixPermissions: 0o600]))
        let store = try AuditStore(backend: .sqlite, path: path)
        XCTAssertEqual(try store.session(s.sessionID), events)
        XCTAssertFalse(FileManager.default.fileExists(atPath: segment))
        try store.close()
        let report = try AuditVerifier.verify(storePath: path)
        XCTAssertTrue(report.intact, "\(report.problems)")
        XCTAssertEqual(report.records, 20)
    }

    /// A store indexed by an earlier build (chained JSON lines in its chunks) goes on with records:
    /// both read, search and verify together, and the store is marked so that build no longer writes it.
    func testLinesOfTheOlderKindAndRecordsLiveTogether() throws {
        let dir = try TempDir()
        let path = dir.file("audit.sqlite")
        try AuditStore(backend: .sqlite, path: path).close()
        // What an earlier build left: a dead segment of chained lines.
        var old = Fixture.session(user: "old")
        let oldEvents = (0..<5).map { Fixture.query(&old, "select \($0)") }
        var previous = AuditChainLink.genesis(session: old.sessionID)
        var lines: [UInt8] = []
        for e in oldEvents {
            var row = AuditIndexRow(try EncodedAuditEvent(e))
            let hash = AuditChainLink.hash(previous: previous, row: row)
            row.chain = AuditChainLink(previous: previous, hash: hash)
            previous = hash
            AuditJournalLine.append(row, to: &lines)
        }
        let segment = AuditJournal.directory(of: path) + "/00000000000000000001-4242-dead.pjl"
        XCTAssertTrue(FileManager.default.createFile(atPath: segment, contents: Data(lines), attributes: [.posixPermissions: 0o600]))
        let store = try AuditStore(backend: .sqlite, path: path)
        var new = Fixture.session(user: "new")
        let newEvents = (0..<5).map { Fixture.query(&new, "select \($0)") }
        try store.recordNow(newEvents)
        XCTAssertEqual(try store.session(old.sessionID), oldEvents)
        XCTAssertEqual(try store.session(new.sessionID), newEvents)
        XCTAssertEqual(try store.sessionJSON(old.sessionID), try oldEvents.map { try $0.jsonString() })
        XCTAssertEqual(try store.search(AuditSearch(user: "new")), newEvents)
        XCTAssertEqual(try store.search(AuditSearch(limit: 100)).count, 10)
        try store.close()
        let report = try AuditVerifier.verify(storePath: path)
        XCTAssertTrue(report.intact, "\(report.problems)")
        XCTAssertEqual([report.sessions, report.records], [2, 10])
        let q = try DatabaseQueue(path: path)
        defer { try? q.close() }
        XCTAssertTrue(try q.read { db in try SQLiteAuditBackend.migrator.appliedIdentifiers(db).isSuperset(of: ["v8-records", "v9-record-ids"]) })
        // A v8 build (which reads version-2 records only) knows every migration but the last: it finds
        // the store superseded and refuses it, rather than dropping version-3 records as unreadable.
        var v8 = DatabaseMigrator()
        for id in SQLiteAuditBackend.migrator.migrations where id != "v9-record-ids" { v8.registerMigration(id) { _ in } }
        XCTAssertTrue(try q.read { db in try v8.hasBeenSuperseded(db) })
        XCTAssertFalse(try q.read { db in try SQLiteAuditBackend.migrator.hasBeenSuperseded(db) })
    }
}

import Foundation
import GRDB
@testable import PosternAudit
import PosternCore
import XCTest

/// Tamper evidence: `audit verify` passes an untouched store and names the first session and
/// record that was changed, removed, reordered or cut off, in the index and in the journal.
final class AuditChainTests: AuditConfigTestCase {
    override func fill(sessions: Int = 3, count: Int = 20) throws { try super.fill(sessions: sessions, count: count) }

    func verify(_ sid: String? = nil) throws -> AuditVerifyReport { try AuditVerifier.verify(storePath: store, session: sid) }

    func cli(_ args: [String] = []) throws -> PosternBinary.Output {
        try PosternBinary.run(["audit", "verify", "--config", config] + args)
    }

    func sessionIDs() throws -> [String] {
        let q = try DatabaseQueue(path: store)
        defer { try? q.close() }
        return try q.read { db in try String.fetchAll(db, sql: "SELECT sid FROM audit_sessions ORDER BY sid") }
    }

    func tamper(_ sql: String, _ arguments: StatementArguments = []) throws {
        let q = try DatabaseQueue(path: store)
        defer { try? q.close() }
        try q.write { db in try db.execute(sql: sql, arguments: arguments) }
    }

    /// Rewrites a session's indexed records (its chunks' lines, in order) as `edit` says: they go
    /// back as one chunk in the place of its first, its columns made to match (as a careful forger
    /// would: only the chains can tell).
    func tamperRecords(_ sid: String, _ edit: (inout [[UInt8]]) -> Void) throws {
        let q = try DatabaseQueue(path: store)
        defer { try? q.close() }
        try q.write { db in
            let chunks = try Row.fetchAll(db, sql: "SELECT id, lines FROM audit_chunks WHERE sid = ? ORDER BY id", arguments: [sid])
            var lines = chunks.flatMap { chunk in (chunk["lines"] as Data).split(separator: 10).map { Array($0) } }
            edit(&lines)
            let ids = chunks.map { $0["id"] as Int64 }
            for id in ids.dropFirst() { try db.execute(sql: "DELETE FROM audit_chunks WHERE id = ?", arguments: [id]) }
            guard let first = ids.first else { return }
            if lines.isEmpty {
                try db.execute(sql: "DELETE FROM audit_chunks WHERE id = ?", arguments: [first])
            } else {
                let blob = Data(lines.flatMap { $0 + [10] })
                var columns: AuditChunks.Builder?
                for case let (_, row?, _) in AuditChunks.records(id: first, lines: blob) {
                    if columns == nil { columns = AuditChunks.Builder(row) }
                    columns?.describe(row)
                }
                let c = try XCTUnwrap(columns)
                try db.execute(sql: """
                    UPDATE audit_chunks SET lines = ?, count = ?, sid = ?, user = ?, db_service = ?, first_time = ?, last_time = ?,
                      first_ei = ?, last_ei = ?, types = ? WHERE id = ?
                    """, arguments: [blob, c.count, c.sid, c.user, c.dbService, c.firstTime, c.lastTime, c.firstEI, c.lastEI, c.typesColumn, first])
            }
        }
    }

    /// The record's first `ei` (each of `fill`'s records holds one event).
    static func ei(_ line: [UInt8]) -> Int64 { AuditJournalLine.named(line[...]).flatMap { $0.index } ?? -1 }

    /// The line with the first `from` replaced by `to` (bytes, as a hex editor would).
    static func replacing(_ line: [UInt8], _ from: String, _ to: String) -> [UInt8] {
        let a = Array(from.utf8)
        guard let i = line.indices.first(where: { line[$0...].starts(with: a) }) else {
            XCTFail("no \(from) in the line")
            return line
        }
        return Array(line[..<i]) + Array(to.utf8) + Array(line[(i + a.count)...])
    }

    /// Rewrites record `ei` as `edit` says, its events re-encoded, its link kept or changed as
    /// `link` says (a forger without the chain's hashes).
    func tamperRecord(_ sid: String, ei: Int64, events edit: @escaping (inout [AuditEvent]) -> Void = { _ in },
                      link: @escaping (AuditChainLink) -> AuditChainLink = { $0 }) throws {
        try tamperRecords(sid) { lines in
            guard let i = lines.firstIndex(where: { Self.ei($0) == ei }), let parsed = AuditRecordLine.parse(lines[i][...])
            else { return XCTFail("no record \(ei)") }
            var events = parsed.events
            edit(&events)
            var content = AuditRecordWriter()
            AuditRecordLine.writeContent(events[...], into: &content)
            var out: [UInt8] = []
            AuditRecordLine.emit(link(parsed.link), content: content.bytes[...], to: &out)
            lines[i] = Array(out.dropLast())
        }
    }

    /// The hash with its last byte changed.
    static func spoiled(_ hash: [UInt8]) -> [UInt8] { hash.dropLast() + [(hash.last ?? 0) ^ 1] }

    func assertFirstProblem(_ kind: AuditChainProblem.Kind, session: String, index: Int64?,
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let report = try verify()
        XCTAssertEqual(report.problems.count, 1, "\(report.problems)", file: file, line: line)
        XCTAssertEqual(report.problems.first?.kind, kind, file: file, line: line)
        XCTAssertEqual(report.problems.first?.session, session, file: file, line: line)
        XCTAssertEqual(report.problems.first?.index, index, file: file, line: line)
        let out = try cli()
        XCTAssertEqual(out.status, 1, out.stdout + out.stderr, file: file, line: line)
        let first = out.stdout.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(first.contains(session) && first.contains(kind.rawValue), first, file: file, line: line)
        if let index { XCTAssertTrue(first.contains("record \(index):"), first, file: file, line: line) }
    }

    func testAnUntouchedStoreVerifies() throws {
        try fill()
        let report = try verify()
        XCTAssertTrue(report.intact, "\(report.problems)")
        XCTAssertEqual(report.sessions, 3)
        XCTAssertEqual(report.records, 60)
        XCTAssertEqual(report.journalRecords, 0)
        XCTAssertEqual(report.unchained, 0)
        let out = try cli()
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(out.stdout, "3 session(s), 60 chained event(s) (0 from the journal): intact\n")
        let json = try cli(["--format", "json"])
        XCTAssertEqual(try JSONDecoder().decode(AuditVerifyReport.self, from: Data(json.stdout.utf8)), report)
    }

    func testAChangedByteIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[1]
        try tamperRecords(sid) { lines in
            guard let i = lines.firstIndex(where: { Self.ei($0) == 7 }) else { return XCTFail() }
            lines[i] = Self.replacing(lines[i], "select 7 ", "select 8 ")
        }
        try assertFirstProblem(.changed, session: sid, index: 7)
    }

    /// A record that no longer reads (here a raw escape sequence typed into it) is refused with a
    /// pointer to `audit verify`, never printed.
    func testPlayRefusesADamagedRecord() throws {
        try fill()
        let sid = try sessionIDs()[1]
        try tamperRecords(sid) { lines in
            guard let i = lines.firstIndex(where: { Self.ei($0) == 7 }) else { return XCTFail() }
            lines[i] = Self.replacing(lines[i], "select 7 ", "select \u{1B}[2J ")
        }
        for format in ["json", "text"] {
            let played = try PosternBinary.run(["play", "--format", format, "--config", config, sid])
            XCTAssertEqual(played.status, 1, played.stdout)
            XCTAssertEqual(played.stdout, "")
            XCTAssertTrue(played.stderr.contains("session \(sid) holds a damaged event"), played.stderr)
            XCTAssertTrue(played.stderr.contains("postern audit verify --sid \(sid)"), played.stderr)
        }
        let other = try sessionIDs()[0]
        XCTAssertEqual(try PosternBinary.run(["play", "--format", "json", "--config", config, other]).status, 0)
    }

    func testARemovedRecordIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[0]
        try tamperRecords(sid) { $0.removeAll { Self.ei($0) == 7 } }
        try assertFirstProblem(.missing, session: sid, index: 8)
    }

    /// Two records swap places (each row now holds the other's record, links and all).
    func testSwappedRecordsAreNamed() throws {
        try fill()
        let sid = try sessionIDs()[2]
        try tamperRecords(sid) { lines in
            guard let a = lines.firstIndex(where: { Self.ei($0) == 4 }), let b = lines.firstIndex(where: { Self.ei($0) == 5 }) else { return XCTFail() }
            lines.swapAt(a, b)
        }
        try assertFirstProblem(.missing, session: sid, index: 5)
    }

    func testACutTailIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[0]
        try tamperRecords(sid) { $0.removeAll { Self.ei($0) >= 17 } }
        try assertFirstProblem(.truncated, session: sid, index: 16)
        try tamperRecords(sid) { $0.removeAll() }
        try assertFirstProblem(.truncated, session: sid, index: nil)
    }

    func testOneSessionIsCheckedAlone() throws {
        try fill()
        let ids = try sessionIDs()
        try tamperRecords(ids[0]) { $0.removeAll { Self.ei($0) == 3 } }
        let other = try verify(ids[1])
        XCTAssertTrue(other.intact, "\(other.problems)")
        XCTAssertEqual(other.records, 20)
        XCTAssertEqual(try verify(ids[0]).problems.map(\.index), [4])
        XCTAssertEqual(try cli(["--sid", ids[1]]).status, 0)
        XCTAssertEqual(try cli(["--sid", ids[0]]).status, 1)
    }

    /// Search filters on what the records hold (user, time, type): all of it is hashed.
    func testAChangedFieldIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[1]
        try tamperRecord(sid, ei: 5, events: { $0[0].user = "someone-else" })
        try assertFirstProblem(.changed, session: sid, index: 5)
        let other = try sessionIDs()[2]
        try tamperRecord(other, ei: 3, events: { $0[0].time = $0[0].time.adding(nanoseconds: -1) })
        XCTAssertEqual(Set(try verify().problems.map(\.index)), [5, 3])
    }

    /// A record's link spoiled: the hash of the record before it, or its own.
    func testASpoiledLinkIsNamed() throws {
        try fill()
        let ids = try sessionIDs()
        try tamperRecord(ids[0], ei: 2, link: { AuditChainLink(previous: Self.spoiled($0.previous), hash: $0.hash) })
        try tamperRecord(ids[1], ei: 9, link: { AuditChainLink(previous: $0.previous, hash: Self.spoiled($0.hash)) })
        let report = try verify()
        XCTAssertEqual(report.problems.map(\.kind), [.changed, .changed])
        XCTAssertEqual(Set(report.problems.map { "\($0.session ?? "") \($0.index ?? -1)" }), ["\(ids[0]) 2", "\(ids[1]) 9"])
        XCTAssertEqual(report.unchained, 0)
    }

    /// A record cut short is not a record any more: named by the session and `ei` it still shows.
    func testACutRecordIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[2]
        try tamperRecords(sid) { lines in
            guard let i = lines.firstIndex(where: { Self.ei($0) == 4 }) else { return XCTFail() }
            var cut = Array(lines[i].dropLast(5))
            while cut.last == 0x1B { cut.removeLast() } // not half an escape: the rest still reads
            lines[i] = cut
        }
        try assertFirstProblem(.changed, session: sid, index: 4)
    }

    /// Cutting a tail and removing the session's head with it.
    func testARemovedHeadIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[2]
        try tamperRecords(sid) { $0.removeAll { Self.ei($0) >= 15 } }
        try tamper("UPDATE audit_sessions SET last_ei = NULL, last_hash = NULL WHERE sid = ?", [sid])
        try assertFirstProblem(.truncated, session: sid, index: 14)
    }

    /// Columns edited to values of another type are named, not trapped on.
    func testColumnsOfTheWrongTypeAreNamed() throws {
        try fill()
        let ids = try sessionIDs()
        try tamper("UPDATE audit_sessions SET last_hash = 42, last_ei = 'x' WHERE sid = ?", [ids[0]])
        try tamper("UPDATE audit_journal SET indexed_to = 'x'")
        try tamper("UPDATE audit_chunks SET first_ei = 'x' WHERE sid = ?", [ids[1]])
        let report = try verify()
        XCTAssertEqual(Set(report.problems.map(\.session)), [ids[0], ids[1]], "\(report.problems)")
        XCTAssertEqual(try cli().status, 1)
    }

    /// Verify while a writer journals, rotates tiny segments and indexes them away: a segment
    /// removed between the listing and the snapshot must not look like a removed record.
    func testVerifyDuringRotationSeesNoFalseBreak() async throws {
        let live = try AuditStore(backend: .sqlite, path: store, synchronous: .normal, indexQueueBound: 100_000,
                                  segmentBytes: 4096, logger: .init(label: "test"))
        // A bounded writer: each verify reads the whole store, so an endless one would make the
        // test's time grow with the square of its speed.
        let total = 3000
        let done = Flag()
        let writing = Task {
            defer { done.set() }
            var sessions = (0..<4).map { _ in Fixture.session() }
            for n in 0..<total {
                let k = n % sessions.count
                try live.recordNow([(Fixture.query(&sessions[k], "select \(n)"))])
                if n % 64 == 0 { await Task.yield() }
            }
        }
        var checks = 0
        while !done.isSet || checks == 0 {
            let report = try AuditVerifier.verify(storePath: store)
            XCTAssertTrue(report.intact, "\(report.problems)")
            checks += 1
        }
        try await writing.value
        try live.close()
        let final = try verify()
        XCTAssertTrue(final.intact, "\(final.problems)")
        XCTAssertEqual(final.records, total)
        XCTAssertGreaterThan(checks, 1, "verify ran while the writer rotated segments")
    }

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    func testAJsonlStoreIsNotCheckable() throws {
        try "cluster_name: test\naudit:\n  backend: jsonl\n  path: state/audit.jsonl\n".write(toFile: config, atomically: true, encoding: .utf8)
        let out = try cli()
        XCTAssertEqual(out.status, 2)
        XCTAssertTrue(out.stderr.contains("carries no hash chains"), out.stderr)
    }

    func testAMissingStoreCannotBeChecked() throws {
        let out = try cli()
        XCTAssertEqual(out.status, 2)
        XCTAssertTrue(out.stderr.contains("no such file"), out.stderr)
    }

    // MARK: the journal (records not yet indexed)

    /// A live writer's segment: its lines are checked where they are, without indexing them.
    func testJournalLinesAreCheckedInPlace() throws {
        try AuditStore(backend: .sqlite, path: store).close()
        let (journal, sid) = try journaled(10)
        defer { _ = journal.close(indexed: false) }
        let report = try verify()
        XCTAssertTrue(report.intact, "\(report.problems)")
        XCTAssertEqual(report.journalRecords, 10)
        XCTAssertEqual(try segmentLines(journal).count, 10, "verify indexes nothing")

        let original = try segmentLines(journal)
        var lines = original
        lines[3] = Self.replacing(lines[3], "select 3", "select 4")
        try writeSegment(journal, lines)
        try assertFirstProblem(.changed, session: sid, index: 3)

        lines = original
        lines.remove(at: 6)
        try writeSegment(journal, lines)
        try assertFirstProblem(.missing, session: sid, index: 7)

        lines = original
        lines.swapAt(1, 2)
        try writeSegment(journal, lines)
        try assertFirstProblem(.missing, session: sid, index: 2)

        try writeSegment(journal, original)
        XCTAssertTrue(try verify().intact)
    }

    func testAnUnreadableJournalLineIsNamed() throws {
        try AuditStore(backend: .sqlite, path: store).close()
        let (journal, _) = try journaled(4)
        defer { _ = journal.close(indexed: false) }
        var lines = try segmentLines(journal)
        lines[1] = Array("garbage".utf8)
        try writeSegment(journal, lines)
        let report = try verify()
        XCTAssertEqual(report.problems.first?.kind, .unreadable)
        XCTAssertTrue(report.problems.first?.description.contains("journal") == true)
        XCTAssertEqual(try cli().status, 1)
    }

    /// A refused write leaves no link to a record that does not exist: the chain goes on from the
    /// last record written. A record's events share its link.
    func testTipsMoveOnlyForWrittenRecords() throws {
        var s = Fixture.session()
        let tips = AuditChainTips()
        let genesis = AuditChainLink.genesis(session: s.sessionID)
        let first = tips.link((0..<3).map { Fixture.query(&s, "select \($0)") })
        XCTAssertEqual(first.entries.count, 1, "one record")
        XCTAssertEqual(first.entries[0].count, 3)
        XCTAssertEqual(first.entries[0].chain?.previous, genesis)
        XCTAssertEqual(first.bytes.filter { $0 == 10 }.count, 1)
        tips.commit(first.moves, count: 0)
        let second = tips.link([Fixture.query(&s, "select 3")])
        XCTAssertEqual(second.entries[0].chain?.previous, genesis, "the refused record left no link")
        tips.commit(second.moves)
        let third = tips.link([Fixture.query(&s, "select 4")])
        XCTAssertEqual(third.entries[0].chain?.previous, second.entries[0].chain?.hash)
        XCTAssertEqual(AuditRecordLine.parse(second.entries[0].line)?.intact, true)
    }

    /// A record's last event decides its session's tip: one that ends the session drops it; an end
    /// followed by more of the session (never written so) leaves the record as the tip, as writing
    /// the events a record each would.
    func testTheLastEventOfARecordDecidesItsTip() throws {
        var s = Fixture.session()
        let tips = AuditChainTips()
        var end = Fixture.query(&s, "select 1")
        end.details = .sessionEnd(.init())
        let endsLast = tips.link([Fixture.query(&s, "select 0"), end])
        XCTAssertEqual(endsLast.entries.map(\.endsSession), [true])
        XCTAssertEqual(endsLast.moves.map(\.ends), [true])
        let endsEarly = tips.link([end, Fixture.query(&s, "select 2")])
        XCTAssertEqual(endsEarly.entries.map(\.endsSession), [true], "the index still marks the session ended")
        XCTAssertEqual(endsEarly.moves.map(\.ends), [false])
        tips.commit(endsEarly.moves)
        XCTAssertEqual(tips.link([Fixture.query(&s, "select 3")]).entries.first?.chain?.previous, endsEarly.entries.first?.chain?.hash)
    }

    /// Sessions interleaved in one batch (A, B, A) each chain on from their own last record, as
    /// one record at a time would.
    func testInterleavedSessionsInOneBatchChainSeparately() throws {
        var a = Fixture.session()
        var b = Fixture.session()
        let linked = AuditChainTips().link([Fixture.query(&a, "select 1"), Fixture.query(&b, "select 2"),
                                            Fixture.query(&a, "select 3"), Fixture.query(&b, "select 4")])
        let records = linked.entries
        XCTAssertEqual(records.map(\.sessionID), [a.sessionID, b.sessionID, a.sessionID, b.sessionID])
        XCTAssertEqual(records[0].chain?.previous, AuditChainLink.genesis(session: a.sessionID))
        XCTAssertEqual(records[1].chain?.previous, AuditChainLink.genesis(session: b.sessionID))
        XCTAssertEqual(records[2].chain?.previous, records[0].chain?.hash)
        XCTAssertEqual(records[3].chain?.previous, records[1].chain?.hash)
        for record in records { XCTAssertEqual(AuditRecordLine.parse(record.line)?.intact, true) }
    }

    /// A session's tip lives until its end event, or until its writer says it is finished (a
    /// session refused or broken off records no end): a long-lived service does not grow with them.
    func testTipsGoWithTheSession() throws {
        let live = try AuditStore(backend: .sqlite, path: store)
        defer { try? live.close() }
        var ended = Fixture.session()
        var brokenOff = Fixture.session()
        try live.recordNow([(ended.make(.sessionStart(.init()))),
                            (Fixture.query(&brokenOff, "select 1"))])
        XCTAssertEqual(live.tips?.count, 2)
        try live.recordNow([(ended.make(.sessionEnd(.init())))])
        XCTAssertEqual(live.tips?.count, 1, "an end event drops the tip")
        live.sessionFinished(brokenOff.sessionID)
        XCTAssertEqual(live.tips?.count, 0, "so does the writer going away")
    }

    // MARK: helpers

    /// A journal holding `count` unindexed records of one session, an event each (as a live
    /// process holds it).
    func journaled(_ count: Int) throws -> (AuditJournal, String) {
        let journal = try AuditJournal(storePath: store)
        var s = Fixture.session()
        for n in 0..<count { try journal.append(journal.tips.link([Fixture.query(&s, "select \(n)")])) { _, _ in } }
        return (journal, s.sessionID)
    }

    func segmentPath(_ journal: AuditJournal) throws -> String {
        let name = try XCTUnwrap(journal.ownSegments.first)
        return journal.directory + "/" + name
    }

    func segmentLines(_ journal: AuditJournal) throws -> [[UInt8]] {
        try Data(contentsOf: URL(fileURLWithPath: segmentPath(journal))).split(separator: 10).map { Array($0) }
    }

    /// Rewritten in place (the writer's descriptor stays on the same file).
    func writeSegment(_ journal: AuditJournal, _ lines: [[UInt8]]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: try segmentPath(journal)))
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(lines.flatMap { $0 + [10] }))
    }

}

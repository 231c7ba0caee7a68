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
        XCTAssertEqual(out.stdout, "3 session(s), 60 chained record(s) (0 from the journal): intact\n")
        let json = try cli(["--format", "json"])
        XCTAssertEqual(try JSONDecoder().decode(AuditVerifyReport.self, from: Data(json.stdout.utf8)), report)
    }

    func testAChangedByteIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[1]
        try tamper("UPDATE audit_events SET json = replace(json, 'select 7 ', 'select 8 ') WHERE sid = ? AND ei = 7", [sid])
        try assertFirstProblem(.changed, session: sid, index: 7)
    }

    func testARemovedRecordIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[0]
        try tamper("DELETE FROM audit_events WHERE sid = ? AND ei = 7", [sid])
        try assertFirstProblem(.missing, session: sid, index: 8)
    }

    /// Two records swap places (each row now holds the other's record, links and all).
    func testSwappedRecordsAreNamed() throws {
        try fill()
        let sid = try sessionIDs()[2]
        let q = try DatabaseQueue(path: store)
        try q.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, time, ei, json, chain, uid FROM audit_events WHERE sid = ? AND ei IN (4, 5) ORDER BY ei",
                                        arguments: [sid])
            XCTAssertEqual(rows.count, 2)
            for (row, other) in [(rows[0], rows[1]), (rows[1], rows[0])] {
                try db.execute(sql: "UPDATE audit_events SET time = ?, ei = ?, json = ?, chain = ?, uid = ? WHERE id = ?",
                               arguments: [other["time"], other["ei"], other["json"], other["chain"], other["uid"], row["id"]])
            }
        }
        try q.close()
        try assertFirstProblem(.missing, session: sid, index: 5)
    }

    func testACutTailIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[0]
        try tamper("DELETE FROM audit_events WHERE sid = ? AND ei >= 17", [sid])
        try assertFirstProblem(.truncated, session: sid, index: 16)
        try tamper("DELETE FROM audit_events WHERE sid = ?", [sid])
        try assertFirstProblem(.truncated, session: sid, index: nil)
    }

    func testOneSessionIsCheckedAlone() throws {
        try fill()
        let ids = try sessionIDs()
        try tamper("DELETE FROM audit_events WHERE sid = ? AND ei = 3", [ids[0]])
        let other = try verify(ids[1])
        XCTAssertTrue(other.intact, "\(other.problems)")
        XCTAssertEqual(other.records, 20)
        XCTAssertEqual(try verify(ids[0]).problems.map(\.index), [4])
        XCTAssertEqual(try cli(["--sid", ids[1]]).status, 0)
        XCTAssertEqual(try cli(["--sid", ids[0]]).status, 1)
    }

    /// Search filters on the index columns: they are hashed with the JSON.
    func testAChangedColumnIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[1]
        try tamper("UPDATE audit_events SET user = 'someone-else' WHERE sid = ? AND ei = 5", [sid])
        try assertFirstProblem(.changed, session: sid, index: 5)
    }

    /// A row's link taken away (it would otherwise pass for one written before chains) or spoiled.
    func testARemovedOrSpoiledLinkIsNamed() throws {
        try fill()
        let ids = try sessionIDs()
        try tamper("UPDATE audit_events SET chain = NULL WHERE sid = ? AND ei = 2", [ids[0]])
        try tamper("UPDATE audit_events SET chain = x'00' WHERE sid = ? AND ei = 9", [ids[1]])
        let report = try verify()
        XCTAssertEqual(report.problems.map(\.kind), [.changed, .changed])
        XCTAssertEqual(Set(report.problems.map { "\($0.session ?? "") \($0.index ?? -1)" }), ["\(ids[0]) 2", "\(ids[1]) 9"])
        XCTAssertEqual(report.unchained, 0)
    }

    /// Cutting a tail and removing the session's head with it.
    func testARemovedHeadIsNamed() throws {
        try fill()
        let sid = try sessionIDs()[2]
        try tamper("DELETE FROM audit_events WHERE sid = ? AND ei >= 15", [sid])
        try tamper("UPDATE audit_sessions SET last_ei = NULL, last_hash = NULL WHERE sid = ?", [sid])
        try assertFirstProblem(.truncated, session: sid, index: 14)
    }

    /// Verify while a writer journals, rotates tiny segments and indexes them away: a segment
    /// removed between the listing and the snapshot must not look like a removed record.
    func testVerifyDuringRotationSeesNoFalseBreak() async throws {
        let live = try AuditStore(backend: .sqlite, path: store, synchronous: .normal, indexQueueBound: 100_000,
                                  segmentBytes: 4096, logger: .init(label: "test"))
        let writing = Task {
            var sessions = (0..<4).map { _ in Fixture.session() }
            var n = 0
            while !Task.isCancelled {
                let k = n % sessions.count
                try live.recordNow([try EncodedAuditEvent(Fixture.query(&sessions[k], "select \(n)"))])
                n += 1
                if n % 64 == 0 { await Task.yield() }
            }
            return n
        }
        var checks = 0
        while checks < 30 {
            let report = try AuditVerifier.verify(storePath: store)
            XCTAssertTrue(report.intact, "\(report.problems)")
            checks += 1
        }
        writing.cancel()
        let written = try await writing.value
        try live.close()
        let final = try verify()
        XCTAssertTrue(final.intact, "\(final.problems)")
        XCTAssertEqual(final.records, written)
        XCTAssertGreaterThan(written, 1000, "the writer rotated segments while verify ran")
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
        lines[3] = lines[3].replacingOccurrences(of: "select 3", with: "select 4")
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
        lines[1] = "garbage"
        try writeSegment(journal, lines)
        let report = try verify()
        XCTAssertEqual(report.problems.first?.kind, .unreadable)
        XCTAssertTrue(report.problems.first?.description.contains("journal") == true)
        XCTAssertEqual(try cli().status, 1)
    }

    /// A refused write leaves no link to a record that does not exist: the chain goes on from the
    /// last record written.
    func testTipsMoveOnlyForWrittenRecords() throws {
        var s = Fixture.session()
        var rows = try (0..<3).map { AuditIndexRow(try EncodedAuditEvent(Fixture.query(&s, "select \($0)"))) }
        let tips = AuditChainTips()
        let moves = tips.link(&rows)
        XCTAssertEqual(rows[0].chain?.previous, AuditChainLink.genesis(session: s.sessionID))
        XCTAssertEqual(rows[1].chain?.previous, rows[0].chain?.hash)
        tips.commit(moves, count: 1)
        var next = [AuditIndexRow(try EncodedAuditEvent(Fixture.query(&s, "select 3")))]
        _ = tips.link(&next)
        XCTAssertEqual(next[0].chain?.previous, rows[0].chain?.hash)
        XCTAssertEqual(AuditChainLink.hash(previous: rows[0].chain?.previous ?? [], row: rows[0]),
                       rows[0].chain?.hash)
    }

    /// A session's tip lives until its end event, or until its writer says it is finished (a
    /// session refused or broken off records no end): a long-lived service does not grow with them.
    func testTipsGoWithTheSession() throws {
        let live = try AuditStore(backend: .sqlite, path: store)
        defer { try? live.close() }
        var ended = Fixture.session()
        var brokenOff = Fixture.session()
        try live.recordNow([try EncodedAuditEvent(ended.make(.sessionStart(.init()))),
                            try EncodedAuditEvent(Fixture.query(&brokenOff, "select 1"))])
        XCTAssertEqual(live.tips?.count, 2)
        try live.recordNow([try EncodedAuditEvent(ended.make(.sessionEnd(.init())))])
        XCTAssertEqual(live.tips?.count, 1, "an end event drops the tip")
        live.sessionFinished(brokenOff.sessionID)
        XCTAssertEqual(live.tips?.count, 0, "so does the writer going away")
    }

    // MARK: helpers

    /// A journal holding `count` unindexed records of one session (as a live process holds it).
    func journaled(_ count: Int) throws -> (AuditJournal, String) {
        let journal = try AuditJournal(storePath: store)
        var s = Fixture.session()
        let events = try (0..<count).map { try EncodedAuditEvent(Fixture.query(&s, "select \($0)")) }
        try journal.append(events) { _, _ in }
        return (journal, s.sessionID)
    }

    func segmentPath(_ journal: AuditJournal) throws -> String {
        let name = try XCTUnwrap(journal.ownSegments.first)
        return journal.directory + "/" + name
    }

    func segmentLines(_ journal: AuditJournal) throws -> [String] {
        try String(contentsOfFile: segmentPath(journal), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Rewritten in place (the writer's descriptor stays on the same file).
    func writeSegment(_ journal: AuditJournal, _ lines: [String]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: try segmentPath(journal)))
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
    }

}

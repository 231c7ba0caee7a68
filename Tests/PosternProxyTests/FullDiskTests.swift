import Foundation
import GRDB
@testable import PosternAudit
import PosternCore
import PosternTestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Issue #15, a full disk: the audit store lives on a small tmpfs that the test fills. Statements
/// are then refused with a native error and never reach the server; what clients were answered
/// stays in the store exactly once and `audit verify` passes; sessions that sent nothing meanwhile
/// survive, the proxies stay up, and once space returns old and new sessions work and are audited
/// again. Journaled (default) and `synchronous: full` stores alike.
final class FullDiskTests: XCTestCase {
    static let pgRefusal = "the audit record could not be written (the audit store's disk is full), so the statement was not sent; the session ends"
    static let startRefusal = "the audit record could not be written (the audit store's disk is full), so the session was not started"
    static let redisRefusal = "-ERR the audit record could not be written (the audit store's disk is full), so the command was not sent; the session ends"

    func testJournaledStoreRefusesOnAFullDiskAndRecovers() throws {
        try fullDisk(synchronous: "normal")
    }

    func testFullSyncStoreRefusesOnAFullDiskAndRecovers() throws {
        try fullDisk(synchronous: "full")
    }

    private func fullDisk(synchronous: String) throws {
        let f = try FullDiskFixture(synchronous: synchronous)
        defer { f.tearDown() }

        // Sessions opened while there is room: two sit idle through the full disk, two are refused.
        let idlePG = try XCTUnwrap(f.openPG().client)
        XCTAssertNil(f.insert(5, on: idlePG))
        var idleIDs = f.answeredIDs
        let refusedPG = try XCTUnwrap(f.openPG().client)
        XCTAssertNil(f.insert(5, on: refusedPG))
        let idleRedis = try XCTUnwrap(f.openRedis().client)
        XCTAssertNil(f.set(5, on: idleRedis))
        let refusedRedis = try XCTUnwrap(f.openRedis().client)
        XCTAssertNil(f.set(5, on: refusedRedis))
        XCTAssertEqual(f.answeredIDs.count, 10)
        XCTAssertEqual(f.answeredKeys.count, 10)

        // Full. What room the store had (blocks it reserved, the end of a page) goes first; each
        // round takes back whatever the store freed meanwhile.
        try f.disk.fill()
        let pgError = try XCTUnwrap(try untilRefused { try f.disk.fill(); return f.insert(40, on: refusedPG) })
        XCTAssertEqual(pgError.fields["S"], "FATAL")
        XCTAssertEqual(pgError.fields["C"], "53100", "\(pgError.fields)")
        XCTAssertEqual(pgError.fields["M"], Self.pgRefusal)
        let lastRefusedID = try XCTUnwrap(f.sentIDs.last)
        let redisError = try untilRefused { try f.disk.fill(); return f.set(40, on: refusedRedis) }
        XCTAssertEqual(redisError, Self.redisRefusal)
        let lastRefusedKey = try XCTUnwrap(f.sentKeys.last)
        // New sessions are refused at their start, once their statements have taken the last bytes.
        let startError = try untilRefused { () throws -> RawPGClient.Message? in
            try f.disk.fill()
            let (client, refusal) = try f.openPG()
            if let client { _ = f.insert(1, on: client) }
            return refusal
        }
        XCTAssertEqual(startError?.fields["C"], "53100", "\(startError?.fields ?? [:])")
        XCTAssertEqual(startError?.fields["M"], Self.startRefusal)
        let redisStart = try untilRefused { () throws -> String? in
            try f.disk.fill()
            let (client, refusal) = try f.openRedis()
            // Postern answers AUTH itself, then opens the session: a refused start answers the first command.
            let line = refusal ?? client.flatMap { f.set(1, on: $0) }
            return line == "-ERR " + Self.startRefusal ? line : nil
        }
        XCTAssertEqual(redisStart, "-ERR " + Self.startRefusal)
        // The refused statements never reached the servers (read there directly, not through the proxy).
        XCTAssertFalse(try f.tableIDs().contains(lastRefusedID))
        XCTAssertFalse(try f.serverKeys().contains(lastRefusedKey))
        XCTAssertTrue(f.proxiesRunning, "a proxy exited on the full disk")

        // Space returns: the idle sessions go on, new sessions work.
        f.disk.drain()
        XCTAssertNil(f.insert(5, on: idlePG))
        idleIDs += f.answeredIDs.suffix(5)
        XCTAssertNil(f.set(5, on: idleRedis))
        let newPG = try XCTUnwrap(f.openPG().client, "a new session after space returned")
        XCTAssertNil(f.insert(5, on: newPG))
        let newRedis = try XCTUnwrap(f.openRedis().client, "a new Redis session after space returned")
        XCTAssertNil(f.set(5, on: newRedis))
        XCTAssertTrue(f.proxiesRunning)
        // An operator's search meanwhile, from another process: it indexes what the proxies
        // journaled but have not indexed yet, from their journal files.
        let live = try f.auditSearch(["--type", "db.session.query"])
        XCTAssertTrue(Set(f.answeredIDs).isSubset(of: live.compactMap(Self.insertID)), "a search while the proxies run")
        // The running proxies' index catches up with all of it (nothing wedged or left behind in the journal).
        let caughtUp = try eventually(timeout: 30) {
            let indexed = try Self.indexedQueries(f.store)
            return f.answeredIDs.allSatisfy { indexed.ids[$0] != nil } && f.answeredKeys.allSatisfy { indexed.keys[$0] != nil }
        }
        XCTAssertTrue(caughtUp, "the index did not catch up once space returned")

        for exit in f.stopProxies() {
            XCTAssertEqual(exit.status, 0, exit.combined)
        }
        let journal = f.store + ".journal"
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: journal)) ?? []).filter(AuditJournal.isSegment)
        XCTAssertEqual(left, [], "journal segments left unindexed")
        try checkStore(f, idleSession: idleIDs)
    }

    /// Runs `attempt` (at most `rounds` times) until it returns a refusal.
    private func untilRefused<T>(rounds: Int = 200, _ attempt: () throws -> T?) throws -> T? {
        for _ in 0..<rounds {
            if let refusal = try attempt() { return refusal }
        }
        XCTFail("nothing was refused in \(rounds) rounds on a full disk")
        return nil
    }

    /// After the proxies stopped: the index is sound and its hash chains intact (`audit verify`), and
    /// it holds every statement that reached a server exactly once and no other (every answered one
    /// among them); `audit search --sid` reads a session.
    private func checkStore(_ f: FullDiskFixture, idleSession idleIDs: [Int64]) throws {
        let integrity = try DatabaseQueue(path: f.store).read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        XCTAssertEqual(integrity, ["ok"])
        let verify = try Subprocess.run(KillNineTests.binary, ["audit", "verify", "--config", f.config])
        XCTAssertEqual(verify.status, 0, verify.combined)
        XCTAssertTrue(verify.stdout.hasSuffix(": intact\n"), verify.combined)
        let indexed = try Self.indexedQueries(f.store)
        XCTAssertEqual(indexed.ids.filter { $0.value != 1 }, [:], "statements indexed more than once")
        XCTAssertEqual(indexed.keys.filter { $0.value != 1 }, [:], "commands indexed more than once")
        let table = try f.tableIDs()
        XCTAssertEqual(Set(indexed.ids.keys), table, "forwarded ⇔ audited, for INSERTs")
        XCTAssertEqual(Set(indexed.keys.keys), try f.serverKeys(), "forwarded ⇔ audited, for SETs")
        XCTAssertTrue(Set(f.answeredIDs).isSubset(of: table))
        XCTAssertLessThan(table.count, f.sentIDs.count, "nothing was refused")
        print("full disk [\(f.synchronous)]: \(f.answeredIDs.count) of \(f.sentIDs.count) INSERTs and \(f.answeredKeys.count) of "
              + "\(f.sentKeys.count) SETs answered; the store holds the \(table.count) and \(indexed.keys.count) forwarded, once each")

        let store = try AuditStore(backend: .sqlite, path: f.store)
        let sid = try XCTUnwrap(store.search(AuditSearch(types: [.query], limit: 1_000_000)).first {
            Self.insertID($0) == idleIDs.first
        }?.sessionID)
        try store.close()
        let session = try f.auditSearch(["--sid", sid, "--type", "db.session.query"])
        XCTAssertEqual(session.compactMap(Self.insertID), idleIDs, "the idle session's statements, before and after the full disk")
    }

    /// The query events in the index (read straight from its SQLite file): how often each INSERT
    /// id and each SET key appears.
    static func indexedQueries(_ store: String) throws -> (ids: [Int64: Int], keys: [String: Int]) {
        var config = Configuration()
        config.readonly = true
        // Index chunks hold journal records, decoded here (not through a store, which would first
        // index what the proxies journaled).
        let chunks = try DatabaseQueue(path: store, configuration: config).read { db in
            try Row.fetchAll(db, sql: "SELECT id, lines FROM audit_chunks")
        }
        var queries: [String] = []
        for chunk in chunks {
            for case let (position, row?, _) in AuditChunks.records(id: chunk["id"], lines: chunk["lines"]) where row.event == "db.session.query" {
                if case .query(let q) = try row.payload.decoded(at: position).details { queries.append(q.query) }
            }
        }
        var ids: [Int64: Int] = [:], keys: [String: Int] = [:]
        for query in queries {
            if let id = insertID(query) { ids[id, default: 0] += 1 }
            let words = query.split(separator: " ")
            if words.first == "SET", words.count > 1 { keys[String(words[1]), default: 0] += 1 }
        }
        return (ids, keys)
    }

    static func insertID(_ event: AuditEvent) -> Int64? {
        guard case .query(let q) = event.details else { return nil }
        return insertID(q.query)
    }

    static func insertID(_ event: [String: Any]) -> Int64? {
        (event["db_query"] as? String).flatMap(insertID)
    }

    /// The id of one of the fixture's INSERTs.
    static func insertID(_ query: String) -> Int64? {
        guard let open = query.range(of: "values ("), let comma = query[open.upperBound...].firstIndex(of: ",") else { return nil }
        return Int64(query[open.upperBound..<comma])
    }
}

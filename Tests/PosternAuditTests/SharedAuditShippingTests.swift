import Foundation
import GRDB
@testable import PosternAudit
import PosternCore
import PosternTestSupport
import XCTest

/// Shipping to the shared store on the test PostgreSQL (real server, TLS verify-full, SCRAM): two
/// local stores with their own host names ship into one database; searches, sessions and a follower
/// read both; shipping a batch again adds nothing.
final class SharedAuditShippingTests: XCTestCase {
    /// A fresh database for one test, dropped afterwards.
    final class SharedDatabase {
        let admin: SharedPGSpec
        let spec: SharedPGSpec

        init(_ env: ServiceEnvironment) throws {
            // The shared audit store's own cluster (scripts/services), as its shipper login.
            let host = try env.string("POSTERN_TEST_SHARED_PG_HOST")
            let port = Int(try env.string("POSTERN_TEST_SHARED_PG_PORT")) ?? 0
            let user = try env.string("POSTERN_TEST_SHARED_PG_USER")
            let password = try env.secret("POSTERN_TEST_SHARED_PG_PASSWORD_FILE")
            let ca = try env.string("POSTERN_TEST_SHARED_PG_CA")
            admin = SharedPGSpec(host: host, port: port, database: try env.string("POSTERN_TEST_SHARED_PG_DATABASE"), user: user,
                                 password: password, sslMode: "verify-full", caFile: ca)
            var spec = admin
            spec.database = "postern_shared_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
            self.spec = spec
            try SharedPGConnection(admin, applicationName: "test").exec("CREATE DATABASE \(spec.database)")
        }

        deinit {
            _ = try? SharedPGConnection(admin, applicationName: "test").exec("DROP DATABASE IF EXISTS \(spec.database) WITH (FORCE)")
        }

        func connect() throws -> SharedPGConnection { try SharedPGConnection(spec, applicationName: "test") }

        func count(_ sql: String) throws -> Int64 {
            let rows = try connect().exec(sql)
            return rows.first?.first??.int64 ?? -1
        }
    }

    /// A fresh shared database with the schema, and a local store in a directory of its own.
    func sharedAndStore() throws -> (SharedDatabase, TempDir, AuditStore) {
        let shared = try SharedDatabase(try ServiceEnvironment.load())
        try SharedAuditSchema.create(try shared.connect())
        let dir = try TempDir()
        return (shared, dir, try AuditStore(backend: .sqlite, path: dir.file("audit.sqlite")))
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    func waitUntil(_ what: String, seconds: Double = 10, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { return XCTFail("timed out waiting for \(what)") }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    func testTwoHostsShipIntoOneStoreAndReadBack() throws {
        let env = try ServiceEnvironment.load()
        let shared = try SharedDatabase(env)
        try SharedAuditSchema.create(try shared.connect())
        try SharedAuditSchema.create(try shared.connect())  // idempotent

        let dirA = try TempDir(), dirB = try TempDir()
        let storeA = try AuditStore(backend: .sqlite, path: dirA.file("audit.sqlite"))
        let storeB = try AuditStore(backend: .sqlite, path: dirB.file("audit.sqlite"))
        defer { try? storeA.close(); try? storeB.close() }
        var sa = Fixture.session(user: "alice"), sb = Fixture.session(user: "bob")
        let eventsA = (0..<300).map { Fixture.query(&sa, "select \($0) -- from a") }
        let eventsB = (0..<200).map { Fixture.query(&sb, "select \($0) -- from b") }
        for k in stride(from: 0, to: 300, by: 30) { try storeA.recordNow(Array(eventsA[k..<(k + 30)])) }
        for k in stride(from: 0, to: 200, by: 25) { try storeB.recordNow(Array(eventsB[k..<(k + 25)])) }

        let spec = shared.spec
        let shipA = try XCTUnwrap(AuditShipper(store: storeA, host: "bastion-a", spec: { spec }, logger: .init(label: "test")))
        let shipB = try XCTUnwrap(AuditShipper(store: storeB, host: "bastion-b", spec: { spec }, logger: .init(label: "test")))
        shipA.start()
        shipB.start()
        defer { shipA.stop(); shipB.stop() }
        try waitUntil("both stores shipped") {
            shipA.status().backlogEvents == 0 && shipB.status().backlogEvents == 0
                && shipA.status().shippedEvents == 300 && shipB.status().shippedEvents == 200
        }
        XCTAssertNil(shipA.status().lastError)
        XCTAssertEqual(try shared.count("SELECT SUM(count)::bigint FROM postern_audit_chunks"), 500)

        let reader = try SharedAuditReader(shared.spec)
        let all = try reader.search(AuditSearch(limit: 10_000))
        XCTAssertEqual(all.count, 500)
        XCTAssertEqual(Set(all.map(\.host)), ["bastion-a", "bastion-b"])
        XCTAssertEqual(all.filter { $0.host == "bastion-a" }.map(\.event), eventsA)
        XCTAssertEqual(try reader.search(AuditSearch(user: "bob", limit: 5)).map(\.event), Array(eventsB.suffix(5)))
        XCTAssertEqual(try reader.session(sa.sessionID).map(\.event), try storeA.session(sa.sessionID))
        XCTAssertEqual(try reader.search(AuditSearch(types: [.sessionStart], limit: 10)).count, 0)

        // The local note of a shipped batch lost (a shipper killed after the shared commit): the
        // batch goes again, and the shared store keeps one copy.
        shipA.stop()
        let chunksBefore = try shared.count("SELECT COUNT(*) FROM postern_audit_chunks")
        let reset = try DatabaseQueue(path: dirA.file("audit.sqlite"))
        try reset.write { try $0.execute(sql: "UPDATE audit_shipping SET chunk = 0") }
        try reset.close()
        let again = try XCTUnwrap(AuditShipper(store: storeA, host: "bastion-a", spec: { spec }, logger: .init(label: "test")))
        again.start()
        defer { again.stop() }
        try waitUntil("the batch shipped again") { again.status().shippedEvents == 300 }
        XCTAssertEqual(try shared.count("SELECT COUNT(*) FROM postern_audit_chunks"), chunksBefore)
        XCTAssertEqual(try shared.count("SELECT SUM(count)::bigint FROM postern_audit_chunks"), 500)
    }

    func testVerifyOnTheSharedStoreNamesEachKindOfTampering() throws {
        let (shared, dir, store) = try sharedAndStore()
        // The directory goes with `dir`: kept until the store is closed.
        defer { try? store.close(); withExtendedLifetime(dir) {} }
        // Four sessions, each in several chunks (a pause between commits lets the index cut them).
        var sessions = (0..<4).map { _ in Fixture.session() }
        for round in 0..<3 {
            for k in sessions.indices {
                try store.recordNow((0..<10).map { Fixture.query(&sessions[k], "select \(round * 10 + $0)") })
            }
            try waitUntil("round \(round) indexed") { try AuditShipper.report(store).backlogEvents == Int64((round + 1) * 40) }
        }
        let spec = shared.spec
        let shipper = try XCTUnwrap(AuditShipper(store: store, host: "bastion-a", spec: { spec }, logger: .init(label: "test")))
        shipper.start()
        try waitUntil("shipped") { shipper.status().shippedEvents == 120 }
        shipper.stop()

        let reader = try SharedAuditReader(spec)
        let clean = try reader.verify()
        XCTAssertTrue(clean.intact, "\(clean.problems)")
        XCTAssertEqual(clean.sessions, 4)
        XCTAssertEqual(clean.records, 120)
        XCTAssertTrue(try reader.verify(session: sessions[0].sessionID).intact)

        let c = try shared.connect()
        func chunkOf(_ k: Int, _ n: Int) -> String {
            "(SELECT id FROM postern_audit_chunks WHERE sid = '\(sessions[k].sessionID)' ORDER BY first_ei OFFSET \(n) LIMIT 1)"
        }
        // A byte changed in session 0's second chunk; session 1's middle chunk removed; session 2's
        // last chunk removed (a cut tail); session 3's chunk columns changed (a search would miss it).
        try c.exec("UPDATE postern_audit_chunks SET lines = overlay(lines placing '\\x58'::bytea from 120 for 1) WHERE id = \(chunkOf(0, 1))")
        try c.exec("DELETE FROM postern_audit_chunks WHERE id = \(chunkOf(1, 1))")
        try c.exec("DELETE FROM postern_audit_chunks WHERE id = \(chunkOf(2, 2))")
        try c.exec("UPDATE postern_audit_chunks SET \"user\" = 'mallory' WHERE id = \(chunkOf(3, 0))")
        let report = try reader.verify()
        XCTAssertFalse(report.intact)
        let bySession = Dictionary(grouping: report.problems, by: { $0.session ?? "" })
        XCTAssertEqual(bySession[sessions[0].sessionID]?.first?.kind, .changed, "\(report.problems)")
        XCTAssertEqual(bySession[sessions[1].sessionID]?.first?.kind, .missing, "\(report.problems)")
        XCTAssertEqual(bySession[sessions[2].sessionID]?.first?.kind, .truncated, "\(report.problems)")
        XCTAssertTrue(bySession[sessions[3].sessionID]?.first?.detail.contains("misdescribes") ?? false, "\(report.problems)")
    }

    func testRetentionDropsWholeMonthsAndVerifyStillPasses() throws {
        let env = try ServiceEnvironment.load()
        let shared = try SharedDatabase(env)
        let c = try shared.connect()
        try SharedAuditSchema.create(c)
        XCTAssertEqual(SharedAuditSchema.Month(partitionName: "postern_audit_chunks_y2025m02"), .init(year: 2025, month: 2))
        XCTAssertNil(SharedAuditSchema.Month(partitionName: "postern_audit_chunks_y2025m13"))
        let day: Int64 = 86_400 * 1_000_000_000
        let jan = SharedAuditSchema.Month(year: 2025, month: 1).startNanos
        let feb = SharedAuditSchema.Month(year: 2025, month: 2).startNanos
        // Session A in January and February (separate chunks), session B in January only.
        let dir = try TempDir()
        let store = try AuditStore(backend: .sqlite, path: dir.file("audit.sqlite"))
        defer { try? store.close() }
        var a = Fixture.session(), b = Fixture.session(user: "bob")
        try store.recordNow((0..<5).map { Fixture.query(&a, "select \($0)", time: AuditTime(nanoseconds: jan + 9 * day + Int64($0))) })
        try store.recordNow((0..<5).map { Fixture.query(&b, "select \($0)", time: AuditTime(nanoseconds: jan + 11 * day + Int64($0))) })
        try waitUntil("January indexed") { try AuditShipper.report(store).backlogEvents == 10 }
        try store.recordNow((5..<10).map { Fixture.query(&a, "select \($0)", time: AuditTime(nanoseconds: feb + 9 * day + Int64($0))) })
        let spec = shared.spec
        let shipper = try XCTUnwrap(AuditShipper(store: store, host: "bastion-a", spec: { spec }, logger: .init(label: "test")))
        shipper.start()
        try waitUntil("shipped") { shipper.status().shippedEvents == 15 }
        shipper.stop()

        // 400 days before 2026-03-10 is 2025-02-03: January 2025 has ended by then, February has not.
        let now = SharedAuditSchema.Month(year: 2026, month: 3).startNanos + 9 * day
        XCTAssertEqual(try SharedAuditSchema.dropExpired(c, retentionDays: 400, now: now), ["postern_audit_chunks_y2025m01"])
        XCTAssertEqual(try SharedAuditSchema.dropExpired(c, retentionDays: 400, now: now), [])
        XCTAssertEqual(try shared.count("SELECT COUNT(*) FROM postern_audit_sessions"), 1, "B had nothing left: its head goes")
        let report = try SharedAuditReader(spec).verify()
        XCTAssertTrue(report.intact, "\(report.problems)")
        XCTAssertEqual(report.records, 5, "A's February records, checked from the first one left")
        XCTAssertEqual(try SharedAuditReader(spec).session(a.sessionID).count, 5)
    }

    func testShippedChunksLeaveTheLocalStoreAndBothVerify() throws {
        let (shared, dir, store) = try sharedAndStore()
        let path = dir.file("audit.sqlite")
        defer { try? store.close(); withExtendedLifetime(dir) {} }
        var a = Fixture.session(), b = Fixture.session(user: "bob")
        try store.recordNow((0..<20).map { Fixture.query(&a, "select \($0)") })
        try store.recordNow((0..<20).map { Fixture.query(&b, "select \($0)") })
        let spec = shared.spec
        let shipper = try XCTUnwrap(AuditShipper(store: store, host: "bastion-a", spec: { spec }, logger: .init(label: "test"),
                                                 keepLocalDays: 0))
        shipper.start()
        defer { shipper.stop() }
        func localChunks() throws -> Int {
            try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM audit_chunks") ?? -1 }
        }
        try waitUntil("shipped and gone locally") { try shipper.status().shippedEvents == 40 && localChunks() == 0 }
        // Session a goes on after its first records left: the local chain is checked from what is left.
        try store.recordNow((20..<30).map { Fixture.query(&a, "select \($0)") })
        try waitUntil("the rest shipped") { shipper.status().shippedEvents == 50 }
        shipper.stop()
        // Records not shipped yet, after the trim point: still checked.
        try store.recordNow((30..<40).map { Fixture.query(&a, "select \($0)") })
        try waitUntil("indexed") { try AuditShipper.report(store).backlogEvents == 10 }
        let local = try store.verify()
        XCTAssertTrue(local.intact, "\(local.problems)")
        // Those removed behind the shipper's back: the head points past the trim point, so it shows.
        try DatabaseQueue(path: path).write { try $0.execute(sql: "DELETE FROM audit_chunks WHERE sid = ?", arguments: [a.sessionID]) }
        let cut = try store.verify()
        XCTAssertEqual(cut.problems.first?.session, a.sessionID, "\(cut.problems)")
        XCTAssertEqual(cut.problems.first?.kind, .truncated, "\(cut.problems)")
        let sharedReport = try SharedAuditReader(spec).verify()
        XCTAssertTrue(sharedReport.intact, "\(sharedReport.problems)")
        XCTAssertEqual(sharedReport.records, 50)
        XCTAssertEqual(try SharedAuditReader(spec).session(a.sessionID).count, 30, "the shared store keeps everything")
    }

    func testAFollowerSeesAnotherHostsEventWithinASecond() throws {
        let (shared, dir, store) = try sharedAndStore()
        // The directory goes with `dir`: kept until the store is closed.
        defer { try? store.close(); withExtendedLifetime(dir) {} }
        let spec = shared.spec
        let shipper = try XCTUnwrap(AuditShipper(store: store, host: "bastion-a", spec: { spec }, logger: .init(label: "test")))
        shipper.start()
        defer { shipper.stop() }
        var s = Fixture.session()
        try store.recordNow([Fixture.query(&s, "select 'before the follower'")])
        try waitUntil("the first event shipped") { shipper.status().backlogEvents == 0 && shipper.status().shippedEvents == 1 }

        let seen = NSLockedBox<[SharedAuditEvent]>([])
        let ready = NSLockedBox(false)
        let follower = Thread {
            let reader = try? SharedAuditReader(spec)
            try? reader?.follow(poll: .milliseconds(200), ready: { ready.with { $0 = true } }) { e in
                seen.with { $0.append(e) }
                return seen.with { $0.count } < 2
            }
        }
        follower.start()
        try waitUntil("the follower is listening") { ready.with { $0 } }
        let event = Fixture.query(&s, "select 'after'")
        let recorded = Date()
        try store.recordNow([event])
        try waitUntil("the follower saw it", seconds: 5) { seen.with { !$0.isEmpty } }
        XCTAssertLessThan(Date().timeIntervalSince(recorded), 1.0, "seen within a second")
        XCTAssertEqual(seen.with { $0.map(\.event) }, [event], "only what was shipped after it started")
        XCTAssertEqual(seen.with { $0.first?.host }, "bastion-a")
    }
}

/// A value shared with a thread.
final class NSLockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func with<R>(_ body: (inout T) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

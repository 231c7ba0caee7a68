import Foundation
import PosternAudit
import PosternCore
import PosternTestSupport
import XCTest
@testable import PosternProxy

/// A proxy that records into an audit store of its own (SQLite with its journal, as `postern
/// proxy` writes it: the session encodes its events and commits them on its loop), a tunnel
/// through it to the services' PostgreSQL, and checks of the one session the store then holds.
final class StoredSessionHarness {
    let h: ProxyHarness
    let store: AuditStore
    let tunnel: ProxyHarness.Tunnel
    private let directory: URL

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        store = try AuditStore(backend: .sqlite, path: directory.appendingPathComponent("audit.sqlite").path)
        h = try ProxyHarness(events: AuditSessionSink(store))
        tunnel = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
    }

    func shutdown() async {
        await h.shutdown()
        try? store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// What one stored event must be.
    enum Expected {
        case start
        case end
        /// A statement event, every field of its details.
        case event(AuditEventDetails)
        /// The result of the event at index `answering`: its tag and rows, or its failure.
        case result(answering: Int, tag: String = "", rows: UInt64? = nil, failed: (sqlState: String, message: String)? = nil)
    }

    /// The session's events once its end is stored, checked one by one against `expected`, with
    /// the common fields every event of the session must carry.
    @discardableResult
    func checkSession(_ expected: [Expected], file: StaticString = #filePath, line: UInt = #line) throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        let ended = try eventually(timeout: 15) {
            events = try store.search(AuditSearch(limit: 10_000))
            return events.contains { $0.type == .sessionEnd }
        }
        XCTAssertTrue(ended, "no session end stored: \(events.map(\.type))", file: file, line: line)
        let report = try store.verify()
        XCTAssertTrue(report.intact && report.records == events.count, "\(report)", file: file, line: line)
        guard events.count == expected.count else {
            XCTFail("\(events.count) events, \(expected.count) expected: \(events.map(\.details))", file: file, line: line)
            return events
        }
        XCTAssertEqual(events.map(\.index), Array(0..<Int64(events.count)), file: file, line: line)
        XCTAssertEqual(Set(events.map(\.id)).count, events.count, "event ids repeat", file: file, line: line)
        let sid = events[0].sessionID
        XCTAssertNotNil(UUID(uuidString: sid), sid, file: file, line: line)
        for event in events {
            XCTAssertEqual(event.sessionID, sid, file: file, line: line)
            XCTAssertEqual(event.user, h.user.name, file: file, line: line)
            XCTAssertEqual(event.clusterName, "test-cluster", file: file, line: line)
            XCTAssertEqual(event.database.service, "orders", file: file, line: line)
            XCTAssertEqual(event.database.protocol, "postgres", file: file, line: line)
            XCTAssertEqual(event.database.uri, "\(h.admin.host):\(h.admin.port)", file: file, line: line)
            XCTAssertEqual(event.database.user, h.admin.user, file: file, line: line)
            XCTAssertEqual(event.database.name, h.admin.database, file: file, line: line)
        }
        for (i, (event, want)) in zip(events, expected).enumerated() {
            check(event, want, events: events, at: i, file: file, line: line)
        }
        return events
    }

    private func check(_ event: AuditEvent, _ want: Expected, events: [AuditEvent], at i: Int,
                       file: StaticString, line: UInt) {
        switch want {
        case .start:
            guard case .sessionStart(let s) = event.details else { return XCTFail("\(i): \(event.details)", file: file, line: line) }
            XCTAssertEqual(s.status, .ok, "\(i)", file: file, line: line)
        case .end:
            XCTAssertEqual(event.type, .sessionEnd, "\(i)", file: file, line: line)
        case .event(let details):
            XCTAssertEqual(event.details, details, "\(i)", file: file, line: line)
            XCTAssertEqual(event.code, details.code, "\(i)", file: file, line: line)
        case .result(let answering, let tag, let rows, let failed):
            guard case .result(let r) = event.details else { return XCTFail("\(i): \(event.details)", file: file, line: line) }
            XCTAssertEqual(r.queryID, events[answering].id, "\(i) answers \(answering)", file: file, line: line)
            XCTAssertEqual(r.commandTag, tag, "\(i)", file: file, line: line)
            XCTAssertEqual(r.affectedRecords, rows, "\(i)", file: file, line: line)
            XCTAssertEqual(r.status, failed.map { .failed($0.message, message: $0.message) } ?? .ok, "\(i)", file: file, line: line)
            XCTAssertEqual(r.sqlState, failed?.sqlState ?? "", "\(i)", file: file, line: line)
            XCTAssertGreaterThanOrEqual(r.durationMicroseconds, 0, "\(i)", file: file, line: line)
        }
    }
}

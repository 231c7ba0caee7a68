import Foundation
import PosternAudit
import PosternCore
import XCTest

/// `kill -9` of a process in the middle of recording loses no event whose `record` had returned.
/// The child is the real `postern` binary (`audit selftest-write`), which prints each event's uid only
/// after `record` returned; the test kills it mid-run, reopens the store and looks for every uid.
final class AuditCrashTests: XCTestCase {
    func testKillNineLosesNoAcknowledgedEvent() throws {
        for backend in AuditConfig.Backend.allCases {
            let dir = try TempDir()
            let path = dir.file("audit.\(backend.rawValue)")
            var acknowledged: [String] = []
            // Twice on the same file: the second writer starts on whatever the first one left behind.
            for round in 0..<2 {
                acknowledged += try killMidRun(backend: backend, path: path, after: 400 + 300 * round)
            }
            if backend == .sqlite {
                // The dead writer's segment as it was left (a torn last line is no record), then indexed.
                let before = try AuditVerifier.verify(storePath: path)
                XCTAssertTrue(before.intact, "\(before.problems)")
            }
            let store = try AuditStore(backend: backend, path: path)
            let ids = try store.search(AuditSearch(limit: 10_000_000)).map(\.id)
            let stored = Set(ids)
            XCTAssertEqual(ids.count, stored.count, "\(backend.rawValue): an event was stored twice")
            if backend == .sqlite {
                let after = try store.verify()
                XCTAssertTrue(after.intact, "\(after.problems)")
                XCTAssertEqual(after.records, ids.count)
            }
            try store.close()
            let missing = acknowledged.filter { !stored.contains($0) }
            XCTAssertEqual(missing, [], "\(backend.rawValue): acknowledged events lost after kill -9")
            XCTAssertGreaterThanOrEqual(stored.count, acknowledged.count)
            print("audit crash [\(backend.rawValue)]: \(acknowledged.count) acknowledged, \(stored.count) stored, 0 lost")
        }
    }

    /// Starts a writer, kills it with SIGKILL once `after` acknowledgements arrived, and returns every
    /// uid it acknowledged (including those still in the pipe when it died).
    func killMidRun(backend: AuditConfig.Backend, path: String, after: Int) throws -> [String] {
        let out = Pipe()
        let child = try PosternBinary.start(["audit", "selftest-write", "--backend", backend.rawValue, "--path", path,
                                             "--sessions", "8", "--count", "1000000"], stdout: out)
        let reader = LineReader(out)
        var acks: [String] = []
        while acks.count < after, let lines = reader.nextLines() { acks += lines }
        XCTAssertTrue(child.isRunning, "the writer ended before it was killed")
        kill(child.processIdentifier, SIGKILL)
        while let lines = reader.nextLines() { acks += lines }
        child.waitUntilExit()
        XCTAssertEqual(child.terminationReason, .uncaughtSignal)
        XCTAssertEqual(child.terminationStatus, SIGKILL)
        XCTAssertGreaterThanOrEqual(acks.count, after)
        XCTAssertTrue(acks.allSatisfy { $0.count == 36 }, "every acknowledgement is a whole uid")
        return acks
    }
}

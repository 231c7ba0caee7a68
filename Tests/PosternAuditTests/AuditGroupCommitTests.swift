import Foundation
import PosternAudit
import PosternCore
import XCTest

final class AuditGroupCommitTests: XCTestCase {
    /// 8 sessions record 2000 statements each, every one awaited as the proxy awaits it. Prints the
    /// throughput and the latency of `record` (numbers for the report; nothing about timing is asserted).
    func testConcurrentWritersAllCommitInSessionOrder() async throws {
        for backend in AuditConfig.Backend.allCases {
            let dir = try TempDir()
            let store = try AuditStore(backend: backend, path: dir.file("audit.\(backend.rawValue)"))
            let writers = 8, perWriter = 2000
            let clock = ContinuousClock()
            let started = clock.now
            let results = try await withThrowingTaskGroup(of: (String, [Duration]).self) { group in
                for w in 0..<writers {
                    group.addTask {
                        var s = Fixture.session(user: "user\(w)")
                        var latencies: [Duration] = []
                        latencies.reserveCapacity(perWriter)
                        for i in 0..<perWriter {
                            let e = Fixture.query(&s, "select \(i) from t where w = \(w)")
                            let t = clock.now
                            try await store.record(e)
                            latencies.append(clock.now - t)
                        }
                        return (s.sessionID, latencies)
                    }
                }
                var all: [(String, [Duration])] = []
                for try await r in group { all.append(r) }
                return all
            }
            let elapsed = clock.now - started
            let total = writers * perWriter
            XCTAssertEqual(try store.search(AuditSearch(limit: total + 10)).count, total)
            for (sid, _) in results {
                let events = try store.search(AuditSearch(sessionID: sid, limit: perWriter + 1))
                XCTAssertEqual(events.map(\.index), (0..<Int64(perWriter)).map { $0 }, "store order of \(sid)")
                XCTAssertEqual(try store.session(sid).count, perWriter)
            }
            let sorted = results.flatMap(\.1).sorted()
            func ms(_ d: Duration) -> String {
                String(format: "%.3f", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000)
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(format: "audit bench [%@] %d writers x %d: %.0f records/s, record p50 %@ ms, p99 %@ ms, max %@ ms",
                         backend.rawValue, writers, perWriter, Double(total) / seconds,
                         ms(sorted[sorted.count / 2]), ms(sorted[sorted.count * 99 / 100]), ms(sorted[sorted.count - 1])))
            try store.close()
        }
    }
}

import Foundation
import PosternTestSupport
import PosternAudit
import PosternCore
import XCTest

/// A temporary directory removed at the end of the test.
final class TempDir {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("postern-audit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum Fixture {
    static let db = AuditDatabase(service: "orders-prod", protocol: "postgres", uri: "127.0.0.1:54329", name: "app",
                                  user: "reader", roles: ["access"], type: "self-hosted", origin: "config")

    static func session(user: String = "alice", db: AuditDatabase = Fixture.db) -> AuditSessionEvents {
        AuditSessionEvents(clusterName: "test", user: user, database: db)
    }

    static func query(_ s: inout AuditSessionEvents, _ sql: String, time: AuditTime = .now()) -> AuditEvent {
        s.make(.query(.init(query: sql)), time: time)
    }

    /// A store of each backend in its own directory, closed afterwards.
    static func eachBackend(_ body: (AuditStore, TempDir) async throws -> Void) async throws {
        for backend in AuditConfig.Backend.allCases {
            let dir = try TempDir()
            let store = try AuditStore(backend: backend, path: dir.file("audit.\(backend.rawValue)"))
            do {
                try await body(store, dir)
            } catch {
                XCTFail("backend \(backend.rawValue): \(error)")
            }
            try store.close()
        }
    }
}

/// Waits for `condition` with a deadline, polling; never a fixed sleep as synchronisation.
func eventually(timeout: Duration = .seconds(10), _ what: String,
                _ condition: @Sendable () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    XCTFail("timed out waiting for \(what)")
}

/// A test with a config (`postern.yaml`, its SQLite store at `state/audit.sqlite`) in a directory
/// of its own, and the real binary to fill the store.
class AuditConfigTestCase: XCTestCase {
    var dir: TempDir!
    var config: String { dir.file("postern.yaml") }
    var store: String { dir.file("state/audit.sqlite") }

    override func setUpWithError() throws {
        dir = try TempDir()
        try "cluster_name: test\naudit:\n  backend: sqlite\n  path: state/audit.sqlite\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// XCTest keeps test case instances to the end of the run: remove the directory now.
    override func tearDownWithError() throws {
        if let dir { try FileManager.default.removeItem(atPath: dir.path) }
    }

    func fill(sessions: Int = 2, count: Int = 5) throws {
        let r = try PosternBinary.run(["audit", "selftest-write", "--path", store, "--sessions", "\(sessions)",
                                       "--count", "\(count)"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }
}

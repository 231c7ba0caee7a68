import Foundation
import PosternAudit
import PosternCore
import PosternService
import PosternTestSupport
import PosternTUI
import XCTest
@testable import postern

/// The console's audit pane on a shared store: the history first (each summary led by its
/// bastion), then events shipped afterwards, none twice.
final class SharedAuditFeedTests: XCTestCase {
    func testHistoryThenLiveEventsEachWithItsHost() async throws {
        let env = try ServiceEnvironment.load()
        let shared = try SharedStoreFixture(env)
        defer { shared.drop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("postern.yaml").path
        try """
            cluster_name: feed
            audit:
              backend: sqlite
              path: \(dir.appendingPathComponent("audit.sqlite").path)
              host: bastion-feed
            \(try shared.yaml())

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let loaded = try ConfigLoader(fs: LocalFileSystem()).load(config).config
        let store = try AuditStore.open(loaded.audit, environment: [:], home: dir.path)
        defer { try? store.close() }
        let assembly = ProxyAssembly(config: loaded, store: store, environment: [:], threads: 1)
        let access = try XCTUnwrap(assembly.sharedAccess)
        try SharedAuditStoreAdmin.initialise(try await access.spec())
        var s = AuditSessionEvents(clusterName: "feed", user: "alice",
                                   database: AuditDatabase(service: "pg", protocol: "postgres", uri: "127.0.0.1:1", name: "app", user: "app"))
        try store.recordNow([s.make(.query(.init(query: "select 'history'")))])
        let shipper = try XCTUnwrap(assembly.shipper)
        let deadline = Date().addingTimeInterval(15)
        while shipper.status().shippedEvents < 1, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }

        var records = try SharedAuditFeed(access: access).records().makeAsyncIterator()
        let first = try await records.next()
        XCTAssertEqual(first?.summary.hasPrefix("[bastion-feed] "), true, "\(String(describing: first))")
        XCTAssertTrue(first?.summary.contains("history") ?? false)
        try store.recordNow([s.make(.query(.init(query: "select 'live'")))])
        let second = try await records.next()
        XCTAssertTrue(second?.summary.contains("live") ?? false, "\(String(describing: second))")
        await assembly.shutdown()
    }
}

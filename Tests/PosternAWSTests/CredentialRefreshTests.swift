import Foundation
import Synchronization
import XCTest

@testable import PosternAWS

/// Temporary credentials are cached, refreshed five minutes before they expire, and one
/// refresh serves every concurrent caller.
final class CredentialRefreshTests: XCTestCase {
    final class Clock: Sendable {
        let value = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func now() -> Date { value.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { value.withLock { $0 += seconds } }
    }

    func testCachedUntilFiveMinutesBeforeExpiry() async throws {
        let clock = Clock()
        let counter = Mutex(0)
        let start = clock.now()
        let cache = AWSRefreshingCredentials(now: { clock.now() }) {
            let n = counter.withLock { value -> Int in
                value += 1
                return value
            }
            return AWSResolvedCredentials(
                credentials: AWSCredentials(
                    accessKeyId: "ASIA\(n)", secretAccessKey: "s", sessionToken: "t",
                    expiration: start.addingTimeInterval(3600 * Double(n))),
                source: AWSCredentialSource(.static))
        }
        let first = try await cache.credentials()
        clock.advance(3600 - 301)
        let stillFirst = try await cache.credentials()
        clock.advance(2)
        let second = try await cache.credentials()
        XCTAssertEqual([first.accessKeyId, stillFirst.accessKeyId, second.accessKeyId], ["ASIA1", "ASIA1", "ASIA2"])
        let fetches = await cache.fetchCount
        XCTAssertEqual(fetches, 2)
    }

    func testFailedRefreshKeepsUnexpiredCredentials() async throws {
        let clock = Clock()
        let fail = Mutex(false)
        let expiry = clock.now().addingTimeInterval(600)
        let cache = AWSRefreshingCredentials(now: { clock.now() }) {
            if fail.withLock({ $0 }) { throw AWSCredentialError.retrievalFailed(provider: "test", reason: "down") }
            return AWSResolvedCredentials(
                credentials: AWSCredentials(accessKeyId: "ASIA", secretAccessKey: "s", expiration: expiry),
                source: AWSCredentialSource(.static))
        }
        _ = try await cache.credentials()
        fail.withLock { $0 = true }
        clock.advance(400)  // inside the margin, not expired
        let kept = try await cache.credentials()
        XCTAssertEqual(kept.accessKeyId, "ASIA")
        clock.advance(300)  // expired
        do {
            _ = try await cache.credentials()
            XCTFail("expired credentials must not be returned")
        } catch {}
    }

    func testConcurrentCallersShareOneInstanceMetadataFetch() async throws {
        try await CredentialChainFixture.with { f in
            let chain = f.chain()
            let keys = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await chain.credentials().accessKeyId }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            XCTAssertEqual(Set(keys), ["AKIDIMDS"])
            XCTAssertEqual(keys.count, 20)
            let tokenRequests = f.server.requests.filter { $0.uri == "/latest/api/token" }
            XCTAssertEqual(tokenRequests.count, 1, "one fetch for all callers")
        }
    }

    func testChainRefreshesWithTheProviderItChose() async throws {
        let clock = Clock()
        try await CredentialChainFixture.with { f in
            // The fake's credentials expire an hour from the real now; move past that.
            let chain = f.chain(now: { clock.now() })
            clock.value.withLock { $0 = Date() }
            _ = try await chain.resolve()
            clock.advance(3600)
            let again = try await chain.resolve()
            XCTAssertEqual(again.source.provider, .instanceMetadata)
            XCTAssertEqual(f.server.requests.filter { $0.uri == "/latest/api/token" }.count, 2)
        }
    }
}

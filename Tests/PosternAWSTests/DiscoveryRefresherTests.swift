import Foundation
import PosternCore
import Synchronization
import XCTest

@testable import PosternAWS

/// The refresher's loop and subscriptions, and the paging loop's stopping rules, without AWS.
final class DiscoveryRefresherTests: XCTestCase {
    /// Counts passes; each snapshot holds one database named after its pass.
    final class Counter: Sendable {
        let passes = Mutex(0)
        func next() -> DiscoverySnapshot {
            let n = passes.withLock { value -> Int in
                value += 1
                return value
            }
            return DiscoverySnapshot(databases: [Database(name: "db-\(n)", protocol: .postgres, uri: "h:5432")])
        }
    }

    func testSubscribersGetEveryPassAndTheLatestFirst() async throws {
        let counter = Counter()
        let refresher = DiscoveryRefresher(interval: .milliseconds(20)) { counter.next() }
        let first = await refresher.snapshots()
        await refresher.start()
        await refresher.start()  // a second start does nothing
        var names: [String] = []
        for await snapshot in first {
            names.append(snapshot.databases[0].name)
            if names.count == 3 { break }
        }
        XCTAssertEqual(names, ["db-1", "db-2", "db-3"], "passes repeat every interval, in order")

        // A late subscriber starts from the latest snapshot.
        let late = await refresher.snapshots()
        var iterator = late.makeAsyncIterator()
        let latest = await refresher.latest
        let firstSeen = await iterator.next()
        XCTAssertNotNil(latest)
        XCTAssertGreaterThanOrEqual(Int(firstSeen?.databases[0].name.dropFirst(3) ?? "") ?? 0, 3)

        await refresher.stop()
        // After stop the stream ends (it may still hold the newest buffered snapshot).
        var rest = 0
        while await iterator.next() != nil { rest += 1 }
        XCTAssertLessThanOrEqual(rest, 1)
        let passesAtStop = counter.passes.withLock { $0 }
        try await Task.sleep(for: .milliseconds(100))
        XCTAssertLessThanOrEqual(counter.passes.withLock { $0 }, passesAtStop + 1, "the loop stopped")
    }

    func testRefreshNowPublishes() async {
        let refresher = DiscoveryRefresher(interval: .seconds(3600)) { Counter().next() }
        let stream = await refresher.snapshots()
        let snapshot = await refresher.refreshNow()
        var iterator = stream.makeAsyncIterator()
        let got = await iterator.next()
        XCTAssertEqual(got, snapshot)
        await refresher.stop()
    }

    func testPagingStopsOnNoTokenRepeatedTokenOrMaxPages() async throws {
        let pages: [String?] = ["a", "b", nil, "c"]
        var asked: [String?] = []
        let items = try await DescribeCalls.all { marker -> (items: [Int], next: String?) in
            asked.append(marker)
            return ([asked.count], pages[asked.count - 1])
        }
        XCTAssertEqual(items, [1, 2, 3])
        XCTAssertEqual(asked, [nil, "a", "b"])

        var repeats = 0
        let looping = try await DescribeCalls.all { _ -> (items: [Int], next: String?) in
            repeats += 1
            return ([repeats], "same")
        }
        XCTAssertEqual(looping, [1, 2], "a repeated token ends the loop (StopOnDuplicateToken)")

        var calls = 0
        let endless = try await DescribeCalls.all(maxPages: 4) { _ -> (items: [Int], next: String?) in
            calls += 1
            return ([calls], "t\(calls)")
        }
        XCTAssertEqual(endless, [1, 2, 3, 4], "Teleport reads at most maxAWSPages pages")
    }
}

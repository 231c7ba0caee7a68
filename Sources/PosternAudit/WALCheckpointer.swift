import Foundation
import GRDB

/// Runs SQLite's WAL checkpoints on its own thread and connection, off the commit path. Left to
/// SQLite, every ~1000th page committed would run a checkpoint inside that commit, fsyncs included,
/// and every statement waiting on that group commit would wait for the disk. A PASSIVE checkpoint
/// from another connection never blocks the writer; it runs once enough events have been written.
final class WALCheckpointer: @unchecked Sendable {
    static let eventsPerCheckpoint = 2000
    static let idleInterval: TimeInterval = 1

    private let queue: DatabaseQueue
    // `condition` guards `written` and `stopping`.
    private let condition = NSCondition()
    private var written = 0
    private var stopping = false
    private var stopped = false

    init(path: String, configuration: Configuration) throws {
        queue = try DatabaseQueue(path: path, configuration: configuration)
        let thread = Thread { [self] in run() }
        thread.name = "postern-audit-checkpoint"
        thread.start()
    }

    /// Called by the writer after each commit.
    func committed(_ events: Int) {
        condition.lock()
        written += events
        if written >= Self.eventsPerCheckpoint { condition.signal() }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while !stopping {
            if written < Self.eventsPerCheckpoint {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.idleInterval))
            }
            guard written > 0, !stopping else { continue }
            written = 0
            condition.unlock()
            // A failed checkpoint (busy) is retried at the next round; it never affects commits.
            _ = try? queue.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            condition.lock()
        }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    func close() throws {
        condition.lock()
        stopping = true
        condition.signal()
        while !stopped { condition.wait() }
        condition.unlock()
        try queue.close()
    }
}

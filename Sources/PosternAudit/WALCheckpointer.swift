import Foundation
import GRDB

/// Runs SQLite's WAL checkpoints on its own thread and connection, off the commit path. Left to
/// SQLite, every ~1000th page committed would run a checkpoint inside that commit, fsyncs included,
/// and every statement waiting on that group commit would wait for the disk. A PASSIVE checkpoint
/// from another connection never blocks the writer; it runs once enough events have been written.
///
/// Under sustained load a passive checkpoint never catches up with the tail, so SQLite never
/// restarts the WAL and it grows without bound (hundreds of MB a minute at pgbench rates). Once it
/// passes `restartBytes`, a RESTART checkpoint holds writers off for the copy, and the next commit
/// starts writing the WAL from its beginning again (then cut to `journal_size_limit`).
final class WALCheckpointer: @unchecked Sendable {
    static let eventsPerCheckpoint = 2000
    static let idleInterval: TimeInterval = 1
    static let restartBytes = 32 << 20

    private let queue: DatabaseQueue
    private let walPath: String
    // `condition` guards `written` and `stopping`.
    private let condition = NSCondition()
    private var written = 0
    private var stopping = false
    private var stopped = false

    init(path: String, configuration: Configuration) throws {
        // A RESTART waits for readers while holding writers off: give up soon and retry next round.
        var configuration = configuration
        configuration.busyMode = .timeout(0.2)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        walPath = path + "-wal"
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
            let kind: Database.CheckpointMode = walBytes() > Self.restartBytes ? .restart : .passive
            _ = try? queue.writeWithoutTransaction { db in try db.checkpoint(kind) }
            condition.lock()
        }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func walBytes() -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: walPath)[.size]) as? Int) ?? 0
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

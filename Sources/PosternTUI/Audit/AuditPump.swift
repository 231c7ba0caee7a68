import Dispatch
import Foundation

/// Reads an `AuditFeed` off the curses actor and posts its records to the audit pane in batches:
/// the first record after a post opens a short window, and everything that arrives in it goes out
/// as one `AuditBatch`, so a burst of thousands of events costs a few redraws, not thousands.
public enum AuditPump {
    /// Starts reading; cancel the task to stop. A feed that fails posts one notice and stops.
    public static func start(_ feed: any AuditFeed, window: Duration = .milliseconds(50),
                             capacity: Int = AuditPane.defaultCapacity,
                             post: @escaping @Sendable (ConsoleEvent) -> Void) -> Task<Void, Never> {
        let pending = PendingRecords(capacity: capacity)
        let delay = DispatchTimeInterval.nanoseconds(Int(window.components.seconds * 1_000_000_000
            + window.components.attoseconds / 1_000_000_000))
        let flush: @Sendable () -> Void = {
            if let batch = pending.take() { post(.paneUpdate(AuditPane.id, batch)) }
        }
        return Task.detached {
            do {
                for try await record in try feed.records() {
                    if pending.add(record) { DispatchQueue.global().asyncAfter(deadline: .now() + delay, execute: flush) }
                }
                flush()
            } catch is CancellationError {
            } catch {
                flush()
                post(.notice("the audit tail stopped: \(error)", isError: true))
            }
        }
    }
}

/// The records waiting for the next post; keeps at most `capacity` (the pane drops older ones anyway).
final class PendingRecords: @unchecked Sendable {
    private let lock = NSLock()
    private let capacity: Int
    private var records: [AuditRecord] = []
    private var skipped = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Adds a record; true when it is the first since the last `take`, so a post must be scheduled.
    func add(_ record: AuditRecord) -> Bool {
        lock.withLock {
            let first = records.isEmpty && skipped == 0
            records.append(record)
            if records.count > capacity * 2 {
                // Trim in chunks, not per record, so a flood stays O(1) per record.
                let extra = records.count - capacity
                records.removeFirst(extra)
                skipped += extra
            }
            return first
        }
    }

    func take() -> AuditBatch? {
        lock.withLock {
            guard !records.isEmpty || skipped > 0 else { return nil }
            let extra = max(0, records.count - capacity)
            defer {
                records.removeAll(keepingCapacity: true)
                skipped = 0
            }
            return AuditBatch(records: Array(records.dropFirst(extra)), skipped: skipped + extra)
        }
    }
}

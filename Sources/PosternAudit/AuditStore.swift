import Logging
import PosternCore

/// The audit log: an `AuditSink` with group commit, plus search, session playback and a live
/// subscription. One per process and store file; share it (it is Sendable) rather than opening twice.
public final class AuditStore: ImmediateAuditSink {
    public let path: String
    public let backend: AuditConfig.Backend
    let storage: any AuditBackend
    let writer: GroupCommitWriter

    /// Opens (creating if needed, directory 0700, file 0600) the store a config names.
    public static func open(_ config: AuditConfig, environment: [String: String], home: String,
                            logger: Logger = Logger(label: "postern.audit")) throws -> AuditStore {
        try AuditStore(backend: config.backend, path: config.resolvedPath(environment: environment, home: home),
                       synchronous: config.synchronous, logger: logger)
    }

    public init(backend: AuditConfig.Backend, path: String, synchronous: AuditConfig.Synchronous = .normal,
                logger: Logger = Logger(label: "postern.audit")) throws {
        self.path = path
        self.backend = backend
        switch backend {
        case .sqlite: storage = try SQLiteAuditBackend(path: path, synchronous: synchronous)
        case .jsonl: storage = try JSONLinesAuditBackend(path: path, synchronous: synchronous, logger: logger)
        }
        writer = GroupCommitWriter(backend: storage, logger: logger)
    }

    /// Returns once the event is committed; concurrent calls share commits. The JSON is encoded here,
    /// on the caller's thread, so the writer thread only writes.
    public func record(_ event: AuditEvent) async throws {
        try await writer.submit([try EncodedAuditEvent(event)])
    }

    /// Commits the events in order, in the same transaction.
    public func record(contentsOf events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await writer.submit(try events.map(EncodedAuditEvent.init))
    }

    /// Without a Task: encodes here, and `completion` runs on the writer thread after the commit.
    public func record(_ events: [AuditEvent], completion: @escaping @Sendable ((any Error)?) -> Void) {
        do {
            record(encoded: try events.map(EncodedAuditEvent.init), completion: completion)
        } catch {
            completion(error)
        }
    }

    /// Without a Task or encoding: `completion` runs on the writer thread after the commit.
    public func record(encoded events: [EncodedAuditEvent], completion: @escaping @Sendable ((any Error)?) -> Void) {
        guard !events.isEmpty else { return completion(nil) }
        writer.submit(events, .callback(completion))
    }

    /// On the calling thread, serialized with the writer thread's commits (event-loop callers that
    /// batch a whole loop tick's events themselves).
    public func recordNow(_ events: [EncodedAuditEvent]) throws {
        guard !events.isEmpty else { return }
        try writer.commitNow(events)
    }

    /// SQLite commits go through the writer thread: measured with pgbench -S -c 8 on 2 cores, 10–25%
    /// more statements a second than tick commits on both loops, which wait on each other's commits.
    /// A JSON-lines commit is one write(2), cheaper on the loop (about 6%).
    public var prefersCallerCommits: Bool { backend == .jsonl }

    /// The newest `limit` events matching, oldest first.
    public func search(_ query: AuditSearch) throws -> [AuditEvent] { try storage.search(query) }

    /// Every event of the session, ordered by `ei` (what `play` prints).
    public func session(_ sid: String) throws -> [AuditEvent] { try storage.session(sid) }

    /// Events committed from now on, by this process at once and by others within `pollInterval`.
    public func subscribe(pollInterval: Duration = .milliseconds(250)) throws -> AuditSubscription {
        let (inbox, continuation) = AsyncStream<AuditSignal>.makeStream(bufferingPolicy: .bufferingNewest(256))
        // Register before reading the cursor: an event committed in between is then either before the
        // cursor (not wanted) or delivered, never missed.
        let id = writer.addSubscriber(continuation)
        if id == nil { continuation.finish() }
        let cursor: Int64
        do {
            cursor = try storage.lastPosition()
        } catch {
            if let id { writer.removeSubscriber(id) }
            throw error
        }
        let ticker = Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: pollInterval) } catch { return }
                continuation.yield(.poll)
            }
        }
        let writer = self.writer
        return AuditSubscription(inbox: inbox, backend: storage, startCursor: cursor) {
            ticker.cancel()
            if let id { writer.removeSubscriber(id) }
        }
    }

    /// Commits what is queued, ends subscriptions and closes the file. Later `record`s throw `.closed`.
    public func close() throws {
        writer.close()
        try storage.close()
    }
}

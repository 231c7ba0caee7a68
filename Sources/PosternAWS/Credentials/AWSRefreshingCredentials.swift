import Foundation

/// Caches what a fetch returns and fetches again when the credentials are within
/// `refreshMargin` of expiring. Concurrent callers share one fetch. When a refresh fails while
/// the cached credentials have not actually expired yet, they are still returned, as the SDKs
/// do during their advisory refresh window.
public actor AWSRefreshingCredentials: AWSSourcedCredentialsProvider {
    public typealias Fetch = @Sendable () async throws -> AWSResolvedCredentials

    /// Five minutes: long enough that no request signed with cached credentials is in flight
    /// when they expire, short enough to use most of a 15-minute STS session.
    public static let defaultRefreshMargin: TimeInterval = 300

    private let fetch: Fetch
    private let refreshMargin: TimeInterval
    private let now: @Sendable () -> Date
    private var cached: AWSResolvedCredentials?
    private var inFlight: Task<AWSResolvedCredentials, any Error>?
    /// How many fetches ran; tests check that concurrent callers share one.
    public private(set) var fetchCount = 0

    public init(
        refreshMargin: TimeInterval = AWSRefreshingCredentials.defaultRefreshMargin,
        now: @escaping @Sendable () -> Date = { Date() },
        fetch: @escaping Fetch
    ) {
        self.fetch = fetch
        self.refreshMargin = refreshMargin
        self.now = now
    }

    public func resolve() async throws -> AWSResolvedCredentials {
        if let cached, !cached.credentials.isExpired(at: now(), margin: refreshMargin) {
            return cached
        }
        if let inFlight {
            return try await settle(inFlight)
        }
        let task = Task { try await fetch() }
        inFlight = task
        fetchCount += 1
        defer { inFlight = nil }
        return try await settle(task)
    }

    private func settle(_ task: Task<AWSResolvedCredentials, any Error>) async throws -> AWSResolvedCredentials {
        do {
            let fresh = try await task.value
            cached = fresh
            return fresh
        } catch {
            if let cached, !cached.credentials.isExpired(at: now()) {
                return cached
            }
            throw error
        }
    }

    /// Drops the cache so the next call fetches (after AWS rejected the credentials, say).
    public func invalidate() {
        cached = nil
    }
}

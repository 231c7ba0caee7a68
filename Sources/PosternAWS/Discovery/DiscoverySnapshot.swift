import Foundation
import PosternCore

/// One pass of discovery: what was found, what failed and what was seen but left out.
public struct DiscoverySnapshot: Sendable, Equatable {
    /// A fetch that failed (one matcher, type and region); the others still count.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var matcher: Int
        public var type: AWSMatcherType
        public var region: String
        /// Safe to show: AWS error texts have the credentials' secrets removed.
        public var message: String

        public var description: String {
            "discovery.aws[\(matcher)] \(type.rawValue) in \(region): \(message)"
        }
    }

    /// A resource seen but not offered, and why (engine, state, no endpoint, tag mismatch…).
    public struct Skipped: Sendable, Equatable, CustomStringConvertible {
        public var resource: String
        public var reason: String
        public var description: String { "\(resource): \(reason)" }
    }

    /// Discovered databases, sorted by name, duplicates removed (first matcher wins).
    public var databases: [Database]
    public var failures: [Failure]
    public var skipped: [Skipped]
    public var takenAt: Date

    public init(databases: [Database] = [], failures: [Failure] = [], skipped: [Skipped] = [], takenAt: Date = Date()) {
        self.databases = databases
        self.failures = failures
        self.skipped = skipped
        self.takenAt = takenAt
    }

    /// The config's databases plus these (a static database wins a name clash).
    public func inventory(static statics: [Database]) -> DatabaseInventory {
        DatabaseInventory.merge(static: statics, discovered: databases)
    }
}

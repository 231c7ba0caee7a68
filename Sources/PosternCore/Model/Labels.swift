/// A database's labels: one value per key, as Teleport stores them.
public typealias Labels = [String: String]

/// A user's traits: every trait may hold several values (`db_users`, `db_names`, IdP claims…).
public typealias Traits = [String: [String]]

/// A role's label selector: every key must be present on the database; the values of one key are OR'd.
public struct LabelSelector: Sendable, Equatable, Codable {
    public var entries: [String: [String]]

    public init(_ entries: [String: [String]] = [:]) { self.entries = entries }

    public var isEmpty: Bool { entries.isEmpty }

    /// `'*': '*'` matches every database, even an unlabelled one.
    public var isWildcard: Bool { entries[LabelSelector.wildcard] == [LabelSelector.wildcard] }

    public static let wildcard = "*"
    public static let everything = LabelSelector([wildcard: [wildcard]])
}

import Foundation

/// Statements run on one database, oldest first, with ↑/↓ recall and Ctrl-R search. Pure; the
/// session's thread persists it (`SQLHistoryFile`).
public struct SQLHistory: Sendable, Equatable {
    public static let limit = 1000
    public private(set) var entries: [String]
    /// Index into `entries` while recalling with ↑/↓; nil while editing a new statement.
    var recall: Int?

    public init(_ entries: [String] = []) { self.entries = Array(entries.suffix(Self.limit)) }

    /// Records a statement; a repeat of the last one is kept once.
    public mutating func add(_ statement: String) {
        recall = nil
        guard !statement.isEmpty, entries.last != statement else { return }
        entries.append(statement)
        if entries.count > Self.limit { entries.removeFirst(entries.count - Self.limit) }
    }

    /// The entry before (older) or after (newer) the one recalled; nil past the newest.
    mutating func step(older: Bool) -> String?? {
        guard !entries.isEmpty else { return .none }
        if older {
            let i = max(0, (recall ?? entries.count) - 1)
            recall = i
            return .some(entries[i])
        }
        guard let r = recall else { return .none }
        if r + 1 >= entries.count {
            recall = nil
            return .some(nil)
        }
        recall = r + 1
        return .some(entries[r + 1])
    }

    /// The newest entry before `before` (an index; nil from the newest) containing `query`,
    /// ignoring case: Ctrl-R's match.
    public func search(_ query: String, before: Int? = nil) -> Int? {
        let end = min(before ?? entries.count, entries.count)
        guard end > 0 else { return nil }
        if query.isEmpty { return end - 1 }
        return entries[..<end].lastIndex { $0.range(of: query, options: .caseInsensitive) != nil }
    }
}

/// Browser sort orders; `s` cycles through them, `S` reverses.
public enum SortKey: String, CaseIterable, Sendable {
    case name
    case `protocol`
    case type

    public var next: SortKey {
        let all = SortKey.allCases
        return all[((all.firstIndex(of: self) ?? 0) + 1) % all.count]
    }
}

public struct SortOrder: Equatable, Sendable {
    public var key: SortKey
    public var descending: Bool

    public init(key: SortKey = .name, descending: Bool = false) {
        self.key = key
        self.descending = descending
    }
}

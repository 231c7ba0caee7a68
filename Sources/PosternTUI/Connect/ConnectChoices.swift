import PosternCore

/// What one field of the connect dialog offers: the names the roles allow, those they deny, and
/// whether any other name may be typed (a `*` entry).
public struct ChoiceList: Sendable, Equatable {
    public var allowed: [String]
    public var denied: [String]
    public var anyAllowed: Bool

    init(_ users: AllowedUsers) {
        allowed = users.allowed.filter { $0 != LabelSelector.wildcard }
        denied = users.denied
        anyAllowed = users.allowed.first == LabelSelector.wildcard
    }

    /// What ↑/↓ step through: allowed names first, then denied ones (choosing one shows why).
    public var items: [String] { allowed + denied }

    /// Exactly one name possible: picked without asking.
    public var single: String? { !anyAllowed && allowed.count == 1 ? allowed.first : nil }
}

extension AccessChecker {
    func userChoices(_ db: Database) -> ChoiceList {
        ChoiceList(allowedUsers(db))
    }

    /// PostgreSQL only; Redis has no database names.
    func nameChoices(_ db: Database, dbUser: String) -> ChoiceList? {
        db.protocol == .postgres ? ChoiceList(allowedNames(db, dbUser: dbUser)) : nil
    }
}

/// Which db users a user may use on one database, as `tsh db ls` shows them.
public struct AllowedUsers: Sendable, Equatable {
    /// `*` first when any user is allowed, then the named users (or globs) allowed.
    public var allowed: [String]
    /// With a wildcard: the named users that are denied anyway.
    public var denied: [String]

    public init(allowed: [String], denied: [String]) {
        self.allowed = allowed
        self.denied = denied
    }

    /// `[alice bob]`, `[* alice], except: [root]` or `(none)`, as tsh's `getUsersForDb` prints them.
    public var display: String {
        if allowed.isEmpty { return "(none)" }
        let a = "[" + allowed.joined(separator: " ") + "]"
        guard allowed.first == LabelSelector.wildcard, !denied.isEmpty else { return a }
        return a + ", except: [" + denied.joined(separator: " ") + "]"
    }
}

extension AccessChecker {
    /// Like Teleport's `EnumerateDatabaseUsers`, with one correction: a wildcard counts only when it
    /// really allows an arbitrary user on this database (Teleport counts a `*` from any role whose own
    /// labels match, whatever the user's other roles deny, and so can show `[*]` for users who would
    /// be refused).
    public func allowedUsers(_ db: Database) -> AllowedUsers {
        var candidates: [String] = []
        var wildcardDenied = false
        for role in roles {
            for p in role.allow.dbUsers + role.deny.dbUsers {
                if p.source == LabelSelector.wildcard { continue }
                if !candidates.contains(p.source) { candidates.append(p.source) }
            }
            if role.deny.dbUsers.contains(where: { $0.source == LabelSelector.wildcard }) { wildcardDenied = true }
        }
        if wildcardDenied { return AllowedUsers(allowed: [], denied: []) }
        // A name no explicit entry or narrower glob can match: only a `*` entry allows it.
        let anyUser = "\u{0}"
        let wildcardAllowed = check(db, dbUser: anyUser, dbName: nil).allowed
        let verdicts = candidates.sorted().map { ($0, check(db, dbUser: $0, dbName: nil).allowed) }
        if wildcardAllowed {
            // As tsh: `[* alice], except: [root]`; the named users allowed are still listed after `*`.
            return AllowedUsers(allowed: [LabelSelector.wildcard] + verdicts.filter(\.1).map(\.0),
                                denied: verdicts.filter { !$0.1 }.map(\.0))
        }
        return AllowedUsers(allowed: verdicts.filter(\.1).map(\.0), denied: [])
    }
}

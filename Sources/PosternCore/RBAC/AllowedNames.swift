extension AccessChecker {
    /// Which database names (PostgreSQL) `dbUser` may open on `db`, as `allowedUsers` lists users:
    /// `*` first when any name is allowed, then the named entries that pass the full check.
    /// The console's connect dialog offers these.
    public func allowedNames(_ db: Database, dbUser: String) -> AllowedUsers {
        var candidates: [String] = []
        var wildcardDenied = false
        for role in roles {
            for p in role.allow.dbNames + role.deny.dbNames where p.source != LabelSelector.wildcard {
                if !candidates.contains(p.source) { candidates.append(p.source) }
            }
            if role.deny.dbNames.contains(where: { $0.source == LabelSelector.wildcard }) { wildcardDenied = true }
        }
        if wildcardDenied { return AllowedUsers(allowed: [], denied: []) }
        // A name no explicit entry or narrower glob can match: only a `*` entry allows it.
        let wildcardAllowed = check(db, dbUser: dbUser, dbName: "\u{0}").allowed
        // Globs (`app_*`) are patterns, not names one can open.
        let verdicts = candidates.filter { !$0.unicodeScalars.contains("*") }.sorted()
            .map { ($0, check(db, dbUser: dbUser, dbName: $0).allowed) }
        let allowed = verdicts.filter(\.1).map(\.0)
        let denied = verdicts.filter { !$0.1 }.map(\.0)
        return AllowedUsers(allowed: (wildcardAllowed ? [LabelSelector.wildcard] : []) + allowed,
                            denied: wildcardAllowed ? denied : [])
    }
}

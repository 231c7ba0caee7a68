/// Teleport's database RBAC for one user: deny first and greedy, allow needs one role to match fully.
public struct AccessChecker: Sendable {
    public let user: PosternUser
    let roles: [CompiledRole]
    /// The session controls of the user's roles (`client_idle_timeout`, `max_session_ttl`).
    public let limits: SessionLimits
    /// A role's `rules` let this user read every user's audit events (the `auditor` preset does);
    /// everyone else reads only their own.
    public let readsAllAudit: Bool

    /// `roles` are the user's roles, in the user's order, already resolved from names.
    public init(user: PosternUser, roles: [Role]) throws(PatternError) {
        self.user = user
        limits = SessionLimits(roles: roles)
        readsAllAudit = roles.contains { $0.allow.auditRead } && !roles.contains { $0.deny.auditRead }
        var compiled: [CompiledRole] = []
        for role in roles { compiled.append(try CompiledRole(role, traits: user.traits)) }
        self.roles = compiled
    }

    /// Listing: a database is shown when its labels pass an allow and no deny's labels match.
    public func canSee(_ db: Database) -> Bool {
        if roles.contains(where: { $0.deny.labels.mismatch(db.labels) == nil }) { return false }
        return roles.contains { $0.allow.labels.mismatch(db.labels) == nil }
    }

    /// The user Redis (and so tsh) assumes when none is given.
    public static let defaultRedisUser = "default"

    /// Checks a connection as (dbUser, dbName). An empty PostgreSQL db name defaults to the db user;
    /// an empty Redis db user is Redis's `default`, as tsh sends it.
    /// `dbName: nil` skips the name check (listing which users are allowed).
    public func check(_ db: Database, dbUser requestedUser: String, dbName: String?) -> AccessDecision {
        var dbUser = requestedUser
        if dbUser.isEmpty && db.protocol == .redis { dbUser = Self.defaultRedisUser }
        guard !dbUser.isEmpty else {
            return AccessDecision(allowed: false, role: nil, rule: "db_user",
                                  reason: "a database user is required (--db-user)")
        }
        var name = dbName
        if db.protocol == .redis {
            name = nil  // Redis has no database names to check.
        } else if let n = name, n.isEmpty {
            name = dbUser
        }

        for role in roles {
            if let deny = denial(role, db, dbUser, name) { return deny }
        }
        var details: [String] = []
        for role in roles {
            if let why = role.allow.labels.mismatch(db.labels) {
                details.append("role \(role.name): db_labels: \(why)")
                continue
            }
            if !role.allow.dbUsers.contains(where: { $0.matches(dbUser) }) {
                details.append("role \(role.name): db_users \(role.allow.dbUsers.map(\.source)) do not include \(quoted(dbUser))")
                continue
            }
            if let name, !role.allow.dbNames.contains(where: { $0.matches(name) }) {
                details.append("role \(role.name): db_names \(role.allow.dbNames.map(\.source)) do not include \(quoted(name))")
                continue
            }
            return AccessDecision(allowed: true, role: role.name, rule: "allow",
                                  reason: "role \(role.name) allows db_user \(quoted(dbUser))"
                                      + (name.map { " and db_name \(quoted($0))" } ?? "")
                                      + " on labels \(role.allow.labels.summary)")
        }
        if roles.isEmpty { details.append("the user has no roles") }
        return AccessDecision(allowed: false, role: nil, rule: "no allow", reason: AccessDecision.deniedMessage,
                              details: details)
    }

    private func denial(_ role: CompiledRole, _ db: Database, _ dbUser: String, _ name: String?) -> AccessDecision? {
        if role.deny.labels.mismatch(db.labels) == nil {
            return AccessDecision(allowed: false, role: role.name, rule: "deny.db_labels",
                                  reason: AccessDecision.deniedMessage,
                                  details: ["role \(role.name) denies databases with labels \(role.deny.labels.summary)"])
        }
        // Deny matchers are greedy: they apply on every database, whatever its labels.
        if let p = role.deny.dbUsers.first(where: { $0.matches(dbUser) }) {
            return AccessDecision(allowed: false, role: role.name, rule: "deny.db_users",
                                  reason: AccessDecision.deniedMessage,
                                  details: ["role \(role.name) denies db_user \(quoted(dbUser)) (\(quoted(p.source)))"])
        }
        if let name, let p = role.deny.dbNames.first(where: { $0.matches(name) }) {
            return AccessDecision(allowed: false, role: role.name, rule: "deny.db_names",
                                  reason: AccessDecision.deniedMessage,
                                  details: ["role \(role.name) denies db_name \(quoted(name)) (\(quoted(p.source)))"])
        }
        return nil
    }
}

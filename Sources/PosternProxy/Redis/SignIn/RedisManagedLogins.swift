import PosternCore

/// Managed users sign in with the password Postern keeps in Secrets Manager, read on every
/// connect so a rotation takes effect on the next connection.
public struct RedisManagedLogins: RedisLoginSource, UpstreamCredentialSource {
    public var store: any ManagedPasswordStore

    public init(store: any ManagedPasswordStore) { self.store = store }

    public func login(for route: Route) async throws -> UpstreamLogin {
        let db = route.database
        let user = route.dbUser.isEmpty ? AccessChecker.defaultRedisUser : route.dbUser
        if let managed = db.redis.managedUsers, !managed.users.contains(user) {
            throw UpstreamCredentialError("db user \(quoted(user)) is not managed by Postern on \(quoted(db.name)) "
                + "(managed users: \(managed.users.joined(separator: ", ")))")
        }
        let name = ManagedSecretName.name(database: db, user: user)
        let current: ManagedPassword?
        do {
            current = try await store.current(secretName: name)
        } catch {
            throw UpstreamCredentialError("cannot read the password of managed user \(quoted(user)) from Secrets Manager "
                + "(secret \(name)): \(error)")
        }
        guard let current else {
            throw UpstreamCredentialError("managed user \(quoted(user)) of \(quoted(db.name)) has no password yet "
                + "(no secret \(name)); the rotation sets one")
        }
        return UpstreamLogin(user: user, password: current.password)
    }
}

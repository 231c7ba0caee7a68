import PosternCore

/// The sign-in methods one database allows upstream (`require_auth`), as libpq's `require_auth`
/// applies them: a method outside the set is refused before any credential is sent.
struct PGSignInPolicy: Sendable {
    let database: String
    let allowed: [UpstreamAuthMethod]

    init(_ db: Database) {
        database = db.name
        allowed = db.allowedAuthMethods
    }

    /// nil when `method` may be used, else the refusal for the client.
    func refusal(_ method: UpstreamAuthMethod) -> PGUpstreamError? {
        guard !allowed.contains(method) else { return nil }
        let asked = method == .trust ? "no sign-in at all (none)" : "\(method.rawValue) sign-in"
        return PGUpstreamError(sqlState: PGWire.SQLState.invalidAuthorization,
            "the upstream server asked for \(asked), which database \(quoted(database)) does not allow "
                + "(require_auth: \(allowed.map(\.rawValue).joined(separator: ", "))); no credentials were sent")
    }
}

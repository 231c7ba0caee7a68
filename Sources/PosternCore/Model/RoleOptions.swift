/// The role options Postern enforces on every session (Teleport's `spec.options`). Options that
/// restrict access but that Postern cannot enforce are refused when the role is read, so an
/// administrator never believes in a control that is not there.
public struct RoleOptions: Sendable, Equatable, Codable {
    /// `client_idle_timeout`: end a session after this long without a client statement or command.
    public var clientIdleTimeout: Duration?
    /// `max_session_ttl`: end a session this long after it started.
    public var maxSessionTTL: Duration?

    public init(clientIdleTimeout: Duration? = nil, maxSessionTTL: Duration? = nil) {
        self.clientIdleTimeout = clientIdleTimeout
        self.maxSessionTTL = maxSessionTTL
    }
}

/// What one user's sessions are held to: the most restrictive value over their roles, as in Teleport.
public struct SessionLimits: Sendable, Equatable {
    public var idleTimeout: Duration?
    public var maxTTL: Duration?

    public init(idleTimeout: Duration? = nil, maxTTL: Duration? = nil) {
        self.idleTimeout = idleTimeout
        self.maxTTL = maxTTL
    }

    public static let none = SessionLimits()

    public init(roles: [Role]) {
        self.init(idleTimeout: Self.shortest(roles.map(\.options.clientIdleTimeout)),
                  maxTTL: Self.shortest(roles.map(\.options.maxSessionTTL)))
    }

    /// Zero means "not set" in Teleport, so only positive durations count.
    private static func shortest(_ values: [Duration?]) -> Duration? {
        values.compactMap { $0 }.filter { $0 > .zero }.min()
    }
}

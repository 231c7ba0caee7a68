/// The outcome of an access check and what decided it, for `db explain`, the TUI and audit.
public struct AccessDecision: Sendable, Equatable, Codable {
    public var allowed: Bool
    /// The role that decided; nil when no role allowed.
    public var role: String?
    /// Which rule decided: `allow`, `deny.db_labels`, `deny.db_users`, `deny.db_names`, `db_user`, `no allow`.
    public var rule: String
    public var reason: String
    /// Why each role did not allow, when access was denied for lack of an allow.
    public var details: [String]

    public init(allowed: Bool, role: String?, rule: String, reason: String, details: [String] = []) {
        self.allowed = allowed
        self.role = role
        self.rule = rule
        self.reason = reason
        self.details = details
    }

    /// Teleport's wording, so operators and their runbooks recognise it.
    public static let deniedMessage =
        "access to db denied. User does not have permissions. Confirm database user and name."
}

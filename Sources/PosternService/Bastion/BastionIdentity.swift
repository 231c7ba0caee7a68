import PosternCore

/// Who is at the other end of the service's socket: the uid from SO_PEERCRED, its login from the
/// password database, and the Postern user of that login under the current config (nil when the
/// login is not in `users:`). Nothing the client sends takes part.
public struct BastionIdentity: Sendable {
    public let uid: UInt32
    public let login: String
    public let user: PosternUser?

    public init(uid: UInt32, config: PosternConfig) {
        self.uid = uid
        login = LocalIdentity.login(uid: uid) ?? "uid \(uid)"
        user = config.user(named: login)
    }

    /// The audit's view of the operator: login and uid, and the SSH address they report.
    public func origin(sshClient: String?) -> AuditOrigin {
        AuditOrigin(login: login, uid: uid, clientAddress: BastionIdentity.sshAddress(sshClient) ?? "")
    }

    /// `SSH_CONNECTION` is `client_ip client_port server_ip server_port`: the first two, checked
    /// to be an address and a port (the operator sets this variable, so nothing else is kept).
    public static func sshAddress(_ text: String?) -> String? {
        guard let parts = text?.split(separator: " "), parts.count >= 2,
              parts[0].count <= 45, parts[0].allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }),
              let port = UInt16(parts[1])
        else { return nil }
        return parts[0].contains(":") ? "[\(parts[0])]:\(port)" : "\(parts[0]):\(port)"
    }

    public var notAUserMessage: String {
        "login \"\(login)\" (uid \(uid)) is not in users: of the bastion's config, so no databases are available; ask an administrator to add you"
    }
}

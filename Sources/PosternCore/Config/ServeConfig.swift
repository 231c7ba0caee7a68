/// `serve:`, the bastion service's listening socket. Operators' `postern` finds the socket at the
/// same default path (or `POSTERN_SOCKET`).
public struct ServeConfig: Sendable, Equatable {
    public static let defaultSocket = "/run/postern/postern.sock"

    /// The Unix socket the service listens on.
    public var socket: String = ServeConfig.defaultSocket
    /// When set, the socket is 0660 and owned by this group (only its members may connect);
    /// otherwise 0666, and only users in `users:` get anything.
    public var group: String?

    public init(socket: String = ServeConfig.defaultSocket, group: String? = nil) {
        self.socket = socket
        self.group = group
    }

    static func decode(_ v: YAMLValue, baseDir: String) throws(ConfigError) -> ServeConfig {
        let f = try v.mapping(known: ["socket", "group"])
        var out = ServeConfig()
        if let socket = f["socket"] {
            let path = try socket.string()
            guard path.hasPrefix("/"), path.utf8.count < 108 else {
                throw socket.error("\(socket.path) must be an absolute path shorter than 108 bytes")
            }
            out.socket = path
        }
        if let group = f["group"] {
            let name = try group.string()
            guard !name.isEmpty else { throw group.error("\(group.path) must name a group") }
            out.group = name
        }
        return out
    }
}

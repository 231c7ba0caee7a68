/// Who the Postern user is: the invoking login, or `--as` for root and the config's owner.
public struct IdentityRequest: Sendable {
    public var login: String
    public var effectiveUID: UInt32
    public var configOwnerUID: UInt32
    public var requestedAs: String?

    public init(login: String, effectiveUID: UInt32, configOwnerUID: UInt32, requestedAs: String?) {
        self.login = login
        self.effectiveUID = effectiveUID
        self.configOwnerUID = configOwnerUID
        self.requestedAs = requestedAs
    }
}

public enum IdentityError: Error, Equatable, Sendable, CustomStringConvertible {
    case impersonationRefused(login: String)
    case unknownUser(name: String, configPath: String)

    public var description: String {
        switch self {
        case .impersonationRefused(let login):
            return "--as is allowed only for root or the owner of the config file; \(quoted(login)) is neither"
        case .unknownUser(let name, let path):
            return "user \(quoted(name)) is not in users: of \(path), so no databases are available; ask an administrator to add you"
        }
    }
}

public enum Identity {
    public static func resolve(_ r: IdentityRequest, in config: PosternConfig) throws(IdentityError) -> PosternUser {
        var name = r.login
        if let requested = r.requestedAs, requested != r.login {
            guard r.effectiveUID == 0 || r.effectiveUID == r.configOwnerUID else {
                throw .impersonationRefused(login: r.login)
            }
            name = requested
        }
        guard let user = config.user(named: name) else { throw .unknownUser(name: name, configPath: config.path) }
        return user
    }
}

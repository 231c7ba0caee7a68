
/// An upstream failure, worded for the client (never holding a password or token).
struct PGUpstreamError: Error, CustomStringConvertible, Sendable {
    let sqlState: String
    let description: String

    init(_ kind: Kind, _ description: String) {
        self.sqlState = kind.sqlState
        self.description = description
    }

    init(sqlState: String, _ description: String) {
        self.sqlState = sqlState
        self.description = description
    }

    enum Kind {
        case cannotConnect, protocolViolation, authentication

        var sqlState: String {
            switch self {
            case .cannotConnect: return PGWire.SQLState.cannotConnect
            case .protocolViolation: return PGWire.SQLState.protocolViolation
            case .authentication: return PGWire.SQLState.invalidPassword
            }
        }
    }
}

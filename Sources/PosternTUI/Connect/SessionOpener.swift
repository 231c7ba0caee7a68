import PosternCore

/// What the user chose in the connect dialog.
public struct ConnectRequest: Sendable, Equatable {
    public var database: Database
    public var dbUser: String
    /// The database name inside the server (PostgreSQL); empty for Redis.
    public var dbName: String

    public init(database: Database, dbUser: String, dbName: String) {
        self.database = database
        self.dbUser = dbUser
        self.dbName = dbName
    }
}

/// Where a session's client connects: a private Unix socket of the console's in-process proxy,
/// bound to one route. libpq takes `host=<socketDirectory> port=<port>`; other clients open
/// `socketPath`. No password: the proxy checks the peer's uid.
public struct SessionEndpoint: Sendable, Equatable {
    public let socketDirectory: String
    public let port: Int
    public let dbUser: String
    public let dbName: String

    public init(socketDirectory: String, port: Int, dbUser: String, dbName: String) {
        self.socketDirectory = socketDirectory
        self.port = port
        self.dbUser = dbUser
        self.dbName = dbName
    }

    /// The session socket (libpq's name for `port`), which the proxy listens on for every protocol.
    public var socketPath: String { SessionSocket.path(directory: socketDirectory, port: port) }
}

/// Why a session could not open, in plain words (never holding a secret).
public struct ConnectError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Opens routes through the console's proxy. Defined here, implemented in the CLI (which may use
/// the proxy and NIO; this module may not). The same RBAC as `postern db connect` applies, and
/// the proxy checks it again before every upstream connect.
public protocol SessionOpener: Sendable {
    /// Checks RBAC for the request and starts listening for it; `progress` gets plain-words steps
    /// (also later ones, such as fetching the upstream credentials when the client signs in).
    func open(_ request: ConnectRequest, progress: @escaping @Sendable (String) -> Void) async throws(ConnectError)
        -> SessionEndpoint
    /// Stops the route's socket and ends its sessions (the proxy audits `db.session.end`).
    func close(_ endpoint: SessionEndpoint) async
}

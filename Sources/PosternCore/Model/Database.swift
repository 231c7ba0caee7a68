/// The wire protocols Postern's proxy speaks.
public enum DatabaseProtocol: String, Sendable, Codable, CaseIterable {
    case postgres
    case redis

    /// The database name a session uses when none is given: PostgreSQL's is the db user's name;
    /// Redis has none (its numbered databases are not routed).
    public func defaultDatabaseName(dbUser: String) -> String {
        switch self {
        case .postgres: dbUser
        case .redis: ""
        }
    }
}

/// Database types named as Teleport names them.
public enum DatabaseType: String, Sendable, Codable, CaseIterable {
    case rds
    case rdsProxy = "rdsproxy"
    case redshift
    case redshiftServerless = "redshift-serverless"
    case elastiCache = "elasticache"
    case elastiCacheServerless = "elasticache-serverless"
    case memoryDB = "memorydb"
    case dsql
    case selfHosted = "self-hosted"

    /// Types whose sign-in is by IAM (a token or temporary credentials) by default.
    public var isAWS: Bool { self != .selfHosted }
}

/// How Postern signs in upstream. Secrets are referenced, never inlined in config.
public enum DatabaseAuth: Sendable, Equatable, Codable {
    case iam
    case password(SecretSource)
    case managed
}

public enum SecretSource: Sendable, Equatable, Codable {
    case file(String)
    case environment(String)
}

public enum TLSMode: String, Sendable, Codable {
    case verifyFull = "verify-full"
    case verifyCA = "verify-ca"
    case insecure
}

public struct DatabaseTLS: Sendable, Equatable, Codable {
    public var mode: TLSMode = .verifyFull
    public var caCertFile: String?
    public var serverName: String?
    public var trustSystemCertPool: Bool = true

    public init(mode: TLSMode = .verifyFull, caCertFile: String? = nil, serverName: String? = nil,
                trustSystemCertPool: Bool = true) {
        self.mode = mode
        self.caCertFile = caCertFile
        self.serverName = serverName
        self.trustSystemCertPool = trustSystemCertPool
    }
}

/// Where a database entry came from: the config file or AWS discovery.
public enum DatabaseOrigin: String, Sendable, Codable {
    case config
    case cloud
}

public struct Database: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    public var `protocol`: DatabaseProtocol
    public var uri: String
    public var staticLabels: Labels
    public var aws: DatabaseAWS
    public var tls: DatabaseTLS
    public var auth: DatabaseAuth
    public var origin: DatabaseOrigin
    /// Command policy and managed users (Redis only).
    public var redis = RedisDatabaseOptions()
    /// `require_auth` (PostgreSQL only): the upstream sign-in methods allowed; nil for the
    /// default of `auth` (see `allowedAuthMethods`).
    public var requireAuth: [UpstreamAuthMethod]?

    public init(name: String, description: String = "", protocol: DatabaseProtocol, uri: String,
                staticLabels: Labels = [:], aws: DatabaseAWS = DatabaseAWS(), tls: DatabaseTLS = DatabaseTLS(),
                auth: DatabaseAuth = .iam, origin: DatabaseOrigin = .config) {
        self.name = name
        self.description = description
        self.protocol = `protocol`
        self.uri = uri
        self.staticLabels = staticLabels
        self.aws = aws
        self.tls = tls
        self.auth = auth
        self.origin = origin
    }

    /// The labels RBAC matches against.
    public var labels: Labels { staticLabels }

    /// The type, derived from the `aws` block as Teleport does (after `Endpoint.fillAWS` has run).
    public var type: DatabaseType { aws.derivedType(host: endpoint?.host) }

    /// Host and port parsed from `uri`; nil when the URI has no usable host.
    public var endpoint: Endpoint? { Endpoint(uri: uri) }
}

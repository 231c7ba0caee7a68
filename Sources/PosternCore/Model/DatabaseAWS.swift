/// The `aws:` block of a database, in the shape of Teleport's `db_service.databases[].aws`.
public struct DatabaseAWS: Sendable, Equatable, Codable {
    public struct RDS: Sendable, Equatable, Codable {
        public var instanceID = ""
        public var clusterID = ""
        public var resourceID = ""
        public var iamAuth = false
        public init() {}
    }
    public struct RDSProxy: Sendable, Equatable, Codable {
        public var name = ""
        public var customEndpointName = ""
        public var resourceID = ""
        public init() {}
    }
    public struct ElastiCache: Sendable, Equatable, Codable {
        public var replicationGroupID = ""
        public init() {}
    }
    public struct ElastiCacheServerless: Sendable, Equatable, Codable {
        public var cacheName = ""
        public init() {}
    }
    public struct MemoryDB: Sendable, Equatable, Codable {
        public var clusterName = ""
        public init() {}
    }
    public struct Redshift: Sendable, Equatable, Codable {
        public var clusterID = ""
        public init() {}
    }
    /// Teleport's `aws.secret_store`: where managed users' passwords are kept in Secrets Manager.
    public struct SecretStore: Sendable, Equatable, Codable {
        public var keyPrefix = "teleport/"
        public var kmsKeyID = ""
        public init() {}
    }
    public struct RedshiftServerless: Sendable, Equatable, Codable {
        public var workgroupName = ""
        public var endpointName = ""
        public init() {}
    }

    public var region = ""
    public var accountID = ""
    public var assumeRoleARN = ""
    public var externalID = ""
    public var rds = RDS()
    public var rdsProxy = RDSProxy()
    public var elastiCache = ElastiCache()
    public var elastiCacheServerless = ElastiCacheServerless()
    public var memoryDB = MemoryDB()
    public var redshift = Redshift()
    public var redshiftServerless = RedshiftServerless()
    public var secretStore = SecretStore()

    public init() {}

    public var isEmpty: Bool { self == DatabaseAWS() }

    /// Teleport's order: the most specific service block wins; a region alone means RDS.
    /// DSQL has no block of its own: its endpoint (`<id>.dsql.<region>.on.aws`) names it.
    /// DSQL endpoints end in `.on.aws`; anything else skips parsing the host (listing 100k
    /// databases asks every one its type).
    private static func mayBeDSQL(_ host: String) -> Bool {
        let suffix = Array(".on.aws".utf8)
        guard host.utf8.count > suffix.count else { return false }
        return zip(host.utf8.suffix(suffix.count), suffix).allSatisfy { a, b in a | 0x20 == b || a == b }
    }

    func derivedType(host: String?) -> DatabaseType {
        if !redshift.clusterID.isEmpty { return .redshift }
        if !redshiftServerless.workgroupName.isEmpty || !redshiftServerless.endpointName.isEmpty {
            return .redshiftServerless
        }
        if !elastiCache.replicationGroupID.isEmpty { return .elastiCache }
        if !elastiCacheServerless.cacheName.isEmpty { return .elastiCacheServerless }
        if !memoryDB.clusterName.isEmpty { return .memoryDB }
        if !rdsProxy.name.isEmpty || !rdsProxy.customEndpointName.isEmpty { return .rdsProxy }
        if let host, Self.mayBeDSQL(host), case .dsql? = AWSEndpoint(host: host)?.kind { return .dsql }
        if !region.isEmpty || !rds.instanceID.isEmpty || !rds.clusterID.isEmpty { return .rds }
        return .selfHosted
    }
}

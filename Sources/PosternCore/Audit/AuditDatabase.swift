/// Teleport's DatabaseMetadata: which database a session reaches, as whom.
public struct AuditDatabase: Sendable, Hashable {
    /// `db_service`: the database's name in Postern's config.
    public var service: String
    /// `db_protocol`: `postgres` or `redis`.
    public var `protocol`: String
    /// `db_uri`: host:port.
    public var uri: String
    /// `db_name`: the database inside the server (PostgreSQL).
    public var name: String
    /// `db_user`: the database user the session signs in as.
    public var user: String
    public var labels: [String: String]
    public var awsRegion: String
    public var awsRedshiftClusterID: String
    /// `db_roles`: the Postern roles that granted access (as Teleport reports them).
    public var roles: [String]
    /// `db_type`: `rds`, `self-hosted`, …
    public var type: String
    /// `db_origin`: `config`, `cloud` or `dynamic`.
    public var origin: String

    public init(service: String, protocol: String, uri: String, name: String = "", user: String = "",
                labels: [String: String] = [:], awsRegion: String = "", awsRedshiftClusterID: String = "",
                roles: [String] = [], type: String = "", origin: String = "") {
        self.service = service
        self.protocol = `protocol`
        self.uri = uri
        self.name = name
        self.user = user
        self.labels = labels
        self.awsRegion = awsRegion
        self.awsRedshiftClusterID = awsRedshiftClusterID
        self.roles = roles
        self.type = type
        self.origin = origin
    }

    /// The metadata of a configured database reached as `dbUser`/`dbName` through `roles`.
    public init(_ db: Database, dbUser: String, dbName: String, roles: [String]) {
        self.init(service: db.name, protocol: db.protocol.rawValue, uri: db.uri, name: dbName, user: dbUser,
                  labels: db.labels, awsRegion: db.aws.region,
                  awsRedshiftClusterID: db.type == .redshift ? db.aws.redshift.clusterID : "",
                  roles: roles, type: db.type.rawValue, origin: db.origin.rawValue)
    }

    func encode(into c: inout some AuditFieldWriter) throws {
        try c.putNonEmpty(service, .dbService)
        try c.put(`protocol`, .dbProtocol)
        try c.put(uri, .dbURI)
        try c.putNonEmpty(name, .dbName)
        try c.putNonEmpty(user, .dbUser)
        try c.putNonEmpty(labels, .dbLabels)
        try c.putNonEmpty(awsRegion, .dbAWSRegion)
        try c.putNonEmpty(awsRedshiftClusterID, .dbAWSRedshiftClusterID)
        try c.putNonEmpty(roles, .dbRoles)
        try c.putNonEmpty(type, .dbType)
        try c.putNonEmpty(origin, .dbOrigin)
    }

    init(from c: AuditDecoding) throws {
        self.init(service: try c.string(.dbService), protocol: try c.string(.dbProtocol), uri: try c.string(.dbURI),
                  name: try c.string(.dbName), user: try c.string(.dbUser),
                  labels: try c.decodeIfPresent([String: String].self, forKey: .dbLabels) ?? [:],
                  awsRegion: try c.string(.dbAWSRegion), awsRedshiftClusterID: try c.string(.dbAWSRedshiftClusterID),
                  roles: try c.strings(.dbRoles), type: try c.string(.dbType), origin: try c.string(.dbOrigin))
    }
}

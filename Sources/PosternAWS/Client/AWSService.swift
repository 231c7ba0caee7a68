/// What Postern needs to know to call one AWS API: its names for endpoints and signing.
public struct AWSService: Sendable, Hashable, CustomStringConvertible {
    /// The SDK service id (`STS`, `Secrets Manager`): upper-cased with spaces as `_`, it names the
    /// `AWS_ENDPOINT_URL_<ID>` override.
    public var id: String
    /// The SigV4 signing name (`sts`, `secretsmanager`, `memorydb`).
    public var signingName: String
    /// The first label of the default endpoint host (`sts`, `memory-db`).
    public var endpointPrefix: String

    public init(id: String, signingName: String, endpointPrefix: String) {
        self.id = id
        self.signingName = signingName
        self.endpointPrefix = endpointPrefix
    }

    /// The suffix of this service's endpoint environment variable: `SECRETS_MANAGER`.
    public var environmentSuffix: String {
        id.uppercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
    }

    public var description: String { id }

    public static let sts = AWSService(id: "STS", signingName: "sts", endpointPrefix: "sts")
    public static let rds = AWSService(id: "RDS", signingName: "rds", endpointPrefix: "rds")
    public static let elastiCache = AWSService(
        id: "ElastiCache", signingName: "elasticache", endpointPrefix: "elasticache")
    public static let memoryDB = AWSService(id: "MemoryDB", signingName: "memorydb", endpointPrefix: "memory-db")
    public static let redshift = AWSService(id: "Redshift", signingName: "redshift", endpointPrefix: "redshift")
    public static let redshiftServerless = AWSService(
        id: "Redshift Serverless", signingName: "redshift-serverless", endpointPrefix: "redshift-serverless")
    public static let secretsManager = AWSService(
        id: "Secrets Manager", signingName: "secretsmanager", endpointPrefix: "secretsmanager")
    public static let dsql = AWSService(id: "DSQL", signingName: "dsql", endpointPrefix: "dsql")
    public static let iam = AWSService(id: "IAM", signingName: "iam", endpointPrefix: "iam")
}

/// The database types `db configure aws print-iam` knows, named as Teleport's `--types`.
public enum IAMPolicyDatabaseType: String, Sendable, CaseIterable {
    case rds
    case rdsProxy = "rdsproxy"
    case redshift
    case redshiftServerless = "redshift-serverless"
    case elastiCache = "elasticache"
    case memoryDB = "memorydb"
    case docDB = "docdb"
    case dynamoDB = "dynamodb"
    case keyspaces
    case openSearch = "opensearch"
}

/// An IAM role that a database user names (`--db-user=role/NAME`): the service identity must be
/// able to assume it, so the role trusts it, and the role itself needs `permission` if any.
public struct IAMDatabaseUserRole: Sendable, Equatable {
    public var types: [IAMPolicyDatabaseType]
    /// The reference's example name, e.g. `redshift-user-role`.
    public var roleName: String
    public var trust: IAMPolicyDocument
    /// The policy to attach to the role itself (Redshift and Redshift Serverless only).
    public var permission: IAMPolicyDocument?
}

/// What `print-iam` prints: the policy for the identity Postern runs as, and one entry per
/// database-user role the chosen types use.
public struct IAMPolicySet: Sendable, Equatable {
    public var accountID: String
    /// ARN of the identity the identity policy is for, as the trust policies name it.
    public var principal: String
    public var identity: IAMPolicyDocument
    public var databaseUserRoles: [IAMDatabaseUserRole]
}

/// The statements of Teleport's "Database Access AWS IAM Reference", per database type, with
/// their Sids, Actions and Resources exactly as the reference has them (table-tested against
/// its text in Tests/PosternAWSTests/Fixtures/teleport-aws-iam-reference.txt).
public enum IAMPolicies {
    /// The account id the reference writes; replaced when the real one is known.
    public static let accountPlaceholder = "aws-account-id"
    /// The reference's name for the database service's own role.
    public static let serviceRolePlaceholder = "teleport-db-service-role"
    /// The Secrets Manager prefix managed users store passwords under (Teleport's default).
    public static let managedSecretPrefix = "teleport/"

    /// Builds the documents for `types` (in the order given, duplicates dropped).
    /// - `role`: the service identity's role, a name or an ARN; defaults to the reference's.
    /// - `accountID`: from `sts:GetCallerIdentity` when known; else the placeholder stays.
    /// - `managedUsers`: add the ElastiCache/MemoryDB managed-user statements.
    public static func policySet(
        types: [IAMPolicyDatabaseType], role: String? = nil, accountID: String? = nil, managedUsers: Bool = false
    ) -> IAMPolicySet {
        let account = accountID.flatMap { $0.isEmpty ? nil : $0 } ?? accountPlaceholder
        let principal = principalARN(role: role ?? serviceRolePlaceholder, accountID: account)
        var seen = Set<IAMPolicyDatabaseType>()
        let ordered = types.filter { seen.insert($0).inserted }
        var statements: [IAMPolicyStatement] = []
        var userRoles: [IAMDatabaseUserRole] = []
        for type in ordered {
            statements += identityStatements(type)
            if managedUsers { statements += managedUserStatements(type) }
            guard let roleName = databaseUserRoleName(type) else { continue }
            let trust = IAMPolicyDocument(statements: [
                IAMPolicyStatement(principalAWS: principal, action: .one("sts:AssumeRole")),
            ])
            let permission = databaseUserRolePermission(type).map(IAMPolicyDocument.init(statements:))
            userRoles.append(IAMDatabaseUserRole(
                types: [type], roleName: roleName, trust: trust,
                permission: permission.map { filled($0, account) }))
        }
        let identity = filled(IAMPolicyDocument(statements: statements), account)
        return IAMPolicySet(accountID: account, principal: principal, identity: identity, databaseUserRoles: userRoles)
    }

    /// `name` → `arn:aws:iam::<account>:role/name`; an ARN is kept as it is.
    public static func principalARN(role: String, accountID: String) -> String {
        if role.hasPrefix("arn:") { return role }
        let name = role.hasPrefix("role/") ? String(role.dropFirst("role/".count)) : role
        return "arn:aws:iam::\(accountID):role/\(name)"
    }

    /// The IAM principal behind a caller ARN from `GetCallerIdentity`: an assumed-role session
    /// `arn:aws:sts::A:assumed-role/NAME/SESSION` is the role `arn:aws:iam::A:role/NAME`; IAM users
    /// and roles are themselves. Anything else (root, federated users) gives nil.
    public static func principal(fromCallerARN arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn" else { return nil }
        let (partition, service, account, resource) = (parts[1], parts[2], parts[4], parts[5])
        if service == "sts", resource.hasPrefix("assumed-role/") {
            let segments = resource.split(separator: "/").map(String.init)
            guard segments.count >= 3 else { return nil }
            return "arn:\(partition):iam::\(account):role/\(segments[1])"
        }
        if service == "iam", resource.hasPrefix("role/") || resource.hasPrefix("user/") { return arn }
        return nil
    }

    /// The reference's example database-user role for a type, when the type has one.
    public static func databaseUserRoleName(_ type: IAMPolicyDatabaseType) -> String? {
        switch type {
        case .docDB: return "documentdb-user-role"
        case .dynamoDB: return "dynamodb-user-role"
        case .keyspaces: return "keyspaces-user-role"
        case .openSearch: return "opensearch-user-role"
        case .redshift: return "redshift-user-role"
        case .redshiftServerless: return "redshift-serverless-user-role"
        case .rds, .rdsProxy, .elastiCache, .memoryDB: return nil
        }
    }

    static func fillAccount(_ text: String, _ accountID: String) -> String {
        text.replacingOccurrences(of: ":\(accountPlaceholder):", with: ":\(accountID):")
    }

    static func filled(_ document: IAMPolicyDocument, _ accountID: String) -> IAMPolicyDocument {
        IAMPolicyDocument(statements: document.statements.map { statement in
            var out = statement
            out.resource = statement.resource?.replacingAccount(accountID)
            return out
        })
    }

    private static func role(_ name: String) -> String { "arn:aws:iam::\(accountPlaceholder):role/\(name)" }

    private static func allow(_ sid: String, _ action: IAMPolicyValue, _ resource: IAMPolicyValue) -> IAMPolicyStatement {
        IAMPolicyStatement(sid: sid, action: action, resource: resource)
    }

    /// The "identity" statements of each section of the reference.
    public static func identityStatements(_ type: IAMPolicyDatabaseType) -> [IAMPolicyStatement] {
        switch type {
        case .docDB:
            return [
                allow("DocumentDBConnectAsIAMRole", .one("sts:AssumeRole"), .list([role("documentdb-user-role")])),
                allow("DocumentDBCheckDomainURL", .one("rds:DescribeDBClusters"), .one("*")),
            ]
        case .dynamoDB:
            return [
                allow("DynamoDBConnectAsIAMRole", .one("sts:AssumeRole"), .list([role("dynamodb-user-role")])),
                allow("DynamoDBSessionTagging", .one("sts:TagSession"), .list(["*"])),
            ]
        case .elastiCache:
            return [
                allow("ElastiCacheDescribeUsers", .one("elasticache:DescribeUsers"), .one("*")),
                allow("ElastiCacheConnect", .one("elasticache:Connect"), .list([
                    "arn:aws:elasticache:us-east-2:\(accountPlaceholder):replicationgroup:replication-group",
                    "arn:aws:elasticache:us-east-2:\(accountPlaceholder):user:*",
                ])),
            ]
        case .keyspaces:
            return [allow("KeyspacesConnectAsIAMRole", .one("sts:AssumeRole"), .list([role("keyspaces-user-role")]))]
        case .memoryDB:
            return [
                allow("MemoryDBDescribeUsers", .one("memorydb:DescribeUsers"), .one("*")),
                allow("MemoryDBConnect", .one("memorydb:Connect"), .list([
                    "arn:aws:memorydb:us-east-2:\(accountPlaceholder):replicationgroup:replication-group",
                    "arn:aws:memorydb:us-east-2:\(accountPlaceholder):user:*",
                ])),
            ]
        case .openSearch:
            return [
                allow("OpenSearchCheckDomainURL", .one("es:DescribeDomains"), .list(["*"])),
                allow("OpenSearchConnectAsIAMRole", .one("sts:AssumeRole"), .list([role("opensearch-user-role")])),
            ]
        case .rds:
            return [
                allow("RDSAutoEnableIAMAuth", .list(["rds:ModifyDBCluster", "rds:ModifyDBInstance"]), .one("*")),
                allow("RDSConnect", .one("rds-db:connect"), .one("*")),
                allow("RDSFetchMetadata", .list(["rds:DescribeDBClusters", "rds:DescribeDBInstances"]), .one("*")),
            ]
        case .rdsProxy:
            return [
                allow("RDSProxyConnect", .one("rds-db:connect"), .one("*")),
                allow("RDSProxyFetchMetadata", .list(["rds:DescribeDBProxies", "rds:DescribeDBProxyEndpoints"]),
                      .one("*")),
            ]
        case .redshift:
            return [
                allow("RedshiftConnectAsDBUser", .one("redshift:GetClusterCredentials"), .one("*")),
                allow("RedshiftConnectAsIAMRole", .one("sts:AssumeRole"), .list([role("redshift-user-role")])),
                allow("RedshiftFetchMetadata", .one("redshift:DescribeClusters"), .one("*")),
            ]
        case .redshiftServerless:
            return [
                allow("RedshiftServerlessConnectAsIAMRole", .one("sts:AssumeRole"),
                      .list([role("redshift-serverless-user-role")])),
                allow("RedshiftServerlessFetchMetadata",
                      .list(["redshift-serverless:GetEndpointAccess", "redshift-serverless:GetWorkgroup"]), .one("*")),
            ]
        }
    }

    /// The "managed users" statements (ElastiCache and MemoryDB only).
    public static func managedUserStatements(_ type: IAMPolicyDatabaseType) -> [IAMPolicyStatement] {
        let secrets: IAMPolicyValue = .list([
            "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:TagResource",
            "secretsmanager:UpdateSecret",
        ])
        let secretARN: IAMPolicyValue = .list(
            ["arn:aws:secretsmanager:*:\(accountPlaceholder):secret:\(managedSecretPrefix)*"])
        switch type {
        case .elastiCache:
            return [
                allow("ElastiCacheManageUsers", .list([
                    "elasticache:DescribeUsers", "elasticache:ModifyUser", "elasticache:ListTagsForResource",
                ]), .one("*")),
                allow("ElastiCacheManagePasswords", secrets, secretARN),
            ]
        case .memoryDB:
            return [
                allow("MemoryDBManageUsers", .list(["memorydb:DescribeUsers", "memorydb:UpdateUser", "memorydb:ListTags"]),
                      .one("*")),
                allow("MemoryDBManagePasswords", secrets, secretARN),
            ]
        default:
            return []
        }
    }

    /// The policy the reference attaches to the database-user role itself.
    public static func databaseUserRolePermission(_ type: IAMPolicyDatabaseType) -> [IAMPolicyStatement]? {
        switch type {
        case .redshift:
            return [allow("RedshiftConnectWithIAM", .one("redshift:GetClusterCredentialsWithIAM"), .one("*"))]
        case .redshiftServerless:
            return [allow("RedshiftServerlessConnect", .one("redshift-serverless:GetCredentials"),
                          .one("arn:aws:redshift-serverless:us-east-2:\(accountPlaceholder):workgroup/workgroup-id"))]
        default:
            return nil
        }
    }
}

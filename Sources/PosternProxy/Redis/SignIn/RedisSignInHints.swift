import PosternAWS
import PosternCore

/// The errors a Redis client sees when Postern's upstream sign-in fails, with what the operator
/// can do about it. Each is one line (RESP errors cannot hold line breaks) to send after `-`.
public enum RedisSignInHints {
    /// The server refused an IAM token (`WRONGPASS`): name the user and the IAM permissions the
    /// identity Postern runs as needs, with this database's ARNs (the reference's statements).
    public static func iamRefused(route: Route, serverText: String) -> String {
        let db = route.database
        let user = route.dbUser.isEmpty ? AccessChecker.defaultRedisUser : route.dbUser
        let policy = iamPolicy(for: db, user: user)
        let what = db.type == .memoryDB ? "MemoryDB" : "ElastiCache"
        return "WRONGPASS upstream \(what) refused the IAM token for user \(user) (\(firstWord(serverText))). "
            + "Check that the user exists with authentication mode iam, user name equal to user id, is in the "
            + "\(db.type == .memoryDB ? "cluster's ACL" : "replication group's user group"), and that Postern's AWS "
            + "identity is allowed: \(policy)"
    }

    /// A connect that timed out: most often in-transit encryption (TLS) is off on the cache, or
    /// the network does not route to it.
    public static func connectTimedOut(database db: Database) -> String {
        let endpoint = db.endpoint.map { "\($0.host):\($0.port ?? RedisEngine.defaultPort)" } ?? db.uri
        return "ERR connection to \(db.name) (\(endpoint)) timed out. Postern always connects with TLS: make sure "
            + "in-transit encryption is enabled on the \(db.type == .selfHosted ? "server" : "cluster") "
            + "and that this host can reach it (security groups, routes; try nc -zv \(endpoint.replacingOccurrences(of: ":", with: " ")))"
    }

    /// The identity policy statements for IAM sign-in to `db` as `user`, compact JSON.
    public static func iamPolicy(for db: Database, user: String) -> String {
        let region = db.aws.region.isEmpty ? "*" : db.aws.region
        let account = db.aws.accountID.isEmpty ? IAMPolicies.accountPlaceholder : db.aws.accountID
        let type: IAMPolicyDatabaseType = db.type == .memoryDB ? .memoryDB : .elastiCache
        let resources: [String]
        switch db.type {
        case .memoryDB:
            resources = ["arn:aws:memorydb:\(region):\(account):cluster/\(db.aws.memoryDB.clusterName)",
                         "arn:aws:memorydb:\(region):\(account):user/\(user)"]
        case .elastiCacheServerless:
            resources = ["arn:aws:elasticache:\(region):\(account):serverlesscache:\(db.aws.elastiCacheServerless.cacheName)",
                         "arn:aws:elasticache:\(region):\(account):user:\(user)"]
        default:
            resources = ["arn:aws:elasticache:\(region):\(account):replicationgroup:\(db.aws.elastiCache.replicationGroupID)",
                         "arn:aws:elasticache:\(region):\(account):user:\(user)"]
        }
        // The reference's Sids and Actions; the Connect statement narrowed to this database.
        let statements = IAMPolicies.identityStatements(type).map { statement -> IAMPolicyStatement in
            var out = statement
            if statement.action.values.contains(where: { $0.hasSuffix(":Connect") }) { out.resource = .list(resources) }
            return out
        }
        return compact(IAMPolicyDocument(statements: statements).json)
    }

    private static func compact(_ json: OrderedJSON) -> String {
        switch json {
        case .string(let s): return JSONString.quoted(s)
        case .array(let items): return "[" + items.map(compact).joined(separator: ",") + "]"
        case .object(let members): return "{" + members.map { JSONString.quoted($0.0) + ":" + compact($0.1) }.joined(separator: ",") + "}"
        }
    }

    private static func firstWord(_ text: String) -> String {
        String(text.split(separator: " ").first ?? "WRONGPASS")
    }
}

import PosternCore

/// What the details pane says about one database: where it is, how Postern signs in (never a
/// secret, only where it comes from), and for each db user whether the roles allow it and why.
public struct DetailsModel {
    public let lines: [TextLine]

    /// `width`: the pane's columns; long lines wrap under the value column.
    public init(row: DatabaseRow, checker: AccessChecker, width: Int) {
        let db = row.database
        var out: [TextLine] = [TextLine([(row.name, .paneTitle), ("  " + row.description, .normal)])]
        func field(_ key: String, _ value: String) {
            guard !value.isEmpty else { return }
            out.append(TextLine([(key.padding(toLength: 13, withPad: " ", startingAt: 0), .key), (value, .normal)]))
        }
        field("uri", db.uri)
        field("protocol", "\(row.protocolText)   type \(row.typeText)   from \(db.origin.rawValue)")
        field("tls", Self.tls(db.tls))
        field("auth", Self.auth(db.auth))
        field("labels", row.labelsText.isEmpty ? "(none)" : row.labelsText.replacingOccurrences(of: ",", with: " "))
        for (key, value) in Self.awsFields(db.aws) { field(key, value) }

        let users = checker.allowedUsers(db)
        field("db users", users.display)
        for user in Self.candidates(users, traits: checker.user.traits) {
            let d = checker.check(db, dbUser: user, dbName: nil)
            let name = "  " + (d.allowed ? "✓ " : "✗ ") + user
            let why = d.allowed ? d.reason : "denied by \(d.rule): " + (d.details.isEmpty ? d.reason : d.details.joined(separator: "; "))
            out.append(TextLine([(name.padding(toLength: max(13, name.count + 1), withPad: " ", startingAt: 0),
                                  d.allowed ? .allowed : .denied), (why, .muted)]))
        }
        if users.allowed.first == LabelSelector.wildcard {
            out.append(TextLine([("  ✓ *", .allowed), ("        any other db user" + (users.denied.isEmpty ? "" : " except the ones denied above"), .muted)]))
        }
        if db.protocol == .postgres { out.append(TextLine([("db names are checked when you connect", .muted)])) }
        lines = out.flatMap { $0.wrapped(width: width - 2, indent: 13) }
    }

    /// Users worth explaining: the ones allowed or denied by name, and the user's own `db_users` trait.
    static func candidates(_ users: AllowedUsers, traits: Traits) -> [String] {
        var out: [String] = []
        let fromTraits = (traits["db_users"] ?? []).filter { !$0.contains("{{") }
        for u in users.allowed + users.denied + fromTraits where u != LabelSelector.wildcard && !out.contains(u) {
            out.append(u)
        }
        return out
    }

    static func tls(_ t: DatabaseTLS) -> String {
        var s = t.mode.rawValue
        if t.caCertFile != nil { s += ", own CA" }
        if let name = t.serverName { s += ", server name \(name)" }
        return s
    }

    /// Where the credential comes from, never the credential.
    static func auth(_ a: DatabaseAuth) -> String {
        switch a {
        case .iam: return "IAM (short-lived token)"
        case .managed: return "managed (ElastiCache/MemoryDB user)"
        case .password(.file): return "password from a file"
        case .password(.environment(let name)): return "password from $\(name)"
        }
    }

    static func awsFields(_ aws: DatabaseAWS) -> [(String, String)] {
        [
            ("aws region", aws.region), ("aws account", aws.accountID), ("assume role", aws.assumeRoleARN),
            ("external id", aws.externalID), ("rds instance", aws.rds.instanceID), ("rds cluster", aws.rds.clusterID),
            ("rds resource", aws.rds.resourceID), ("rds proxy", aws.rdsProxy.name),
            ("proxy endpoint", aws.rdsProxy.customEndpointName), ("elasticache", aws.elastiCache.replicationGroupID),
            ("cache", aws.elastiCacheServerless.cacheName), ("memorydb", aws.memoryDB.clusterName),
            ("redshift", aws.redshift.clusterID), ("workgroup", aws.redshiftServerless.workgroupName),
        ]
    }
}

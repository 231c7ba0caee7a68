import PosternCore

/// Turns Describe results into `Database` values named, described and labelled as Teleport's
/// discovery does (lib/srv/discovery/common/database.go), with `origin: .cloud`.
enum DiscoveredDatabases {
    /// Where the resources were found: the matcher's region and role, and the account when an
    /// ARN does not carry one.
    struct Context: Sendable, Equatable {
        var region: String
        var accountID: String
        var assumeRoleARN: String = ""
        var externalID: String = ""
    }

    /// A resource that was seen but not turned into a database, and why.
    struct Skip: Error, Sendable, Equatable {
        var resource: String
        var reason: String
    }

    // MARK: RDS

    /// An RDS instance: named `<instance>`, endpoint type `instance`.
    static func rdsInstance(_ instance: RDSDBInstance, context: Context) -> Result<Database, Skip> {
        let id = instance.identifier
        guard let proto = protocolFor(engine: instance.engine) else {
            return .failure(Skip(resource: "RDS instance \(id)", reason: "engine \(instance.engine ?? "?") is not PostgreSQL"))
        }
        guard let address = instance.endpoint?.address, let port = instance.endpoint?.port else {
            return .failure(Skip(resource: "RDS instance \(id)", reason: "no endpoint yet"))
        }
        let (region, account) = location(arn: instance.arn, context: context)
        var extra: Labels = [
            DiscoveryLabel.engine: instance.engine ?? "",
            DiscoveryLabel.engineVersion: instance.engineVersion ?? "",
            DiscoveryLabel.endpointType: "instance",
        ]
        if let vpc = instance.subnetGroup?.vpcID { extra[DiscoveryLabel.vpcID] = vpc }
        let labels = DiscoveryLabel.labels(region: region, accountID: account, extra: extra, tags: instance.tags)
        var db = database(name: name(id, labels: labels), description: "RDS instance in \(region)", protocol: proto,
                          uri: "\(address):\(port)", labels: labels, region: region, account: account, context: context)
        db.aws.rds.instanceID = id
        db.aws.rds.clusterID = instance.clusterIdentifier ?? ""
        db.aws.rds.resourceID = instance.resourceID ?? ""
        db.aws.rds.iamAuth = instance.iamAuth ?? false
        return .success(db)
    }

    /// An Aurora cluster: `<cluster>` for the primary endpoint (when it has a writer),
    /// `<cluster>-reader` (when it has a reader) and `<cluster>-custom-<name>` per custom endpoint.
    /// `firstMemberVPC` is the VPC of the cluster's first member instance, when known.
    static func auroraCluster(_ cluster: RDSDBCluster, firstMemberVPC: String?, context: Context)
        -> (databases: [Database], skipped: [Skip])
    {
        let id = cluster.identifier
        guard let proto = protocolFor(engine: cluster.engine) else {
            return ([], [Skip(resource: "Aurora cluster \(id)", reason: "engine \(cluster.engine ?? "?") is not PostgreSQL")])
        }
        guard let port = cluster.port else { return ([], [Skip(resource: "Aurora cluster \(id)", reason: "no port")]) }
        let (region, account) = location(arn: cluster.arn, context: context)
        let members = cluster.members.items()
        let hasWriter = members.contains { $0.isWriter == true }
        let hasReader = members.contains { $0.isWriter != true }

        func make(_ endpointType: String, host: String, suffix: [String], description: String) -> Database {
            var extra: Labels = [
                DiscoveryLabel.engine: cluster.engine ?? "",
                DiscoveryLabel.engineVersion: cluster.engineVersion ?? "",
                DiscoveryLabel.endpointType: endpointType,
            ]
            if let firstMemberVPC { extra[DiscoveryLabel.vpcID] = firstMemberVPC }
            let labels = DiscoveryLabel.labels(region: region, accountID: account, extra: extra, tags: cluster.tags)
            var db = database(name: name(id, suffix, labels: labels), description: description, protocol: proto,
                              uri: "\(host):\(port)", labels: labels, region: region, account: account, context: context)
            db.aws.rds.clusterID = id
            db.aws.rds.resourceID = cluster.resourceID ?? ""
            db.aws.rds.iamAuth = cluster.iamAuth ?? false
            return db
        }

        var out: [Database] = []
        var skipped: [Skip] = []
        if let primary = cluster.endpoint, hasWriter {
            out.append(make("primary", host: primary, suffix: [], description: "Aurora cluster in \(region)"))
        }
        if let reader = cluster.readerEndpoint, hasReader {
            out.append(make("reader", host: reader, suffix: ["reader"],
                            description: "Aurora cluster in \(region) (reader endpoint)"))
        }
        for endpoint in cluster.customEndpoints.items() {
            // <name>.cluster-custom-<id>.<region>.rds.amazonaws.com
            let parts = endpoint.split(separator: ".").map(String.init)
            guard parts.count > 2, parts[1].hasPrefix("cluster-custom-") else {
                skipped.append(Skip(resource: "Aurora cluster \(id)", reason: "unrecognised custom endpoint \(endpoint)"))
                continue
            }
            var db = make("custom", host: endpoint, suffix: ["custom", parts[0]],
                          description: "Aurora cluster in \(region) (custom endpoint)")
            // A custom endpoint's name is not in the certificate until the instances restart;
            // the primary endpoint always is (Teleport does the same).
            if let primary = cluster.endpoint { db.tls.serverName = primary }
            out.append(db)
        }
        return (out, skipped)
    }

    // MARK: ElastiCache, MemoryDB, Redshift

    /// A replication group: its configuration endpoint in cluster mode, else each node group's
    /// primary (`<group>`) and reader (`<group>-reader`) endpoints.
    static func elastiCache(_ group: ElastiCacheReplicationGroup, extraLabels: Labels, tags: [AWSResourceTag],
                            context: Context) -> [Database] {
        let (region, account) = location(arn: group.arn, context: context)
        func make(_ endpoint: AWSResourceEndpoint, _ endpointType: String) -> Database? {
            guard let address = endpoint.address, let port = endpoint.port else { return nil }
            var extra = extraLabels
            extra[DiscoveryLabel.endpointType] = endpointType
            let labels = DiscoveryLabel.labels(region: region, accountID: account, extra: extra, tags: tags)
            let suffix = endpointType == "reader" ? ["reader"] : []
            var db = database(name: name(group.identifier, suffix, labels: labels),
                              description: "ElastiCache cluster in \(region) (\(endpointType) endpoint)",
                              protocol: .redis, uri: "\(address):\(port)", labels: labels, region: region,
                              account: account, context: context)
            db.aws.elastiCache.replicationGroupID = group.identifier
            return db
        }
        if group.clusterEnabled == true {
            return group.configurationEndpoint.flatMap { make($0, "configuration") }.map { [$0] } ?? []
        }
        var out: [Database] = []
        for nodeGroup in group.nodeGroups.items() {
            if let primary = nodeGroup.primaryEndpoint, let db = make(primary, "primary") { out.append(db) }
            if let reader = nodeGroup.readerEndpoint, let db = make(reader, "reader") { out.append(db) }
        }
        return out
    }

    /// Teleport's `ExtraElastiCacheLabels`: engine version from a node of the group, VPC from its subnet group.
    static func elastiCacheExtraLabels(group: String, nodes: [ElastiCacheNode],
                                       subnetGroups: [ElastiCacheSubnetGroup]) -> Labels {
        var labels: Labels = [:]
        guard let node = nodes.first(where: { $0.replicationGroupID == group }) else { return labels }
        labels[DiscoveryLabel.engineVersion] = node.engineVersion ?? ""
        if let subnet = subnetGroups.first(where: { $0.name == node.subnetGroupName }) {
            labels[DiscoveryLabel.vpcID] = subnet.vpcID ?? ""
        }
        return labels
    }

    /// A MemoryDB cluster: `<cluster>`, endpoint type `cluster`.
    static func memoryDB(_ cluster: MemoryDBCluster, subnetGroups: [MemoryDBSubnetGroup], tags: [AWSResourceTag],
                         context: Context) -> Result<Database, Skip> {
        guard let address = cluster.endpoint?.address, let port = cluster.endpoint?.port else {
            return .failure(Skip(resource: "MemoryDB cluster \(cluster.name)", reason: "no endpoint yet"))
        }
        let (region, account) = location(arn: cluster.arn, context: context)
        var extra: Labels = [
            DiscoveryLabel.endpointType: "cluster",
            DiscoveryLabel.engineVersion: cluster.engineVersion ?? "",
        ]
        if let subnet = subnetGroups.first(where: { $0.name == cluster.subnetGroupName }) {
            extra[DiscoveryLabel.vpcID] = subnet.vpcID ?? ""
        }
        let labels = DiscoveryLabel.labels(region: region, accountID: account, extra: extra, tags: tags)
        var db = database(name: name(cluster.name, labels: labels), description: "MemoryDB cluster in \(region)",
                          protocol: .redis, uri: "\(address):\(port)", labels: labels, region: region,
                          account: account, context: context)
        db.aws.memoryDB.clusterName = cluster.name
        return .success(db)
    }

    /// A Redshift cluster: `<cluster>`; Teleport adds no engine or endpoint-type label here.
    static func redshift(_ cluster: RedshiftCluster, context: Context) -> Result<Database, Skip> {
        guard let address = cluster.endpoint?.address, let port = cluster.endpoint?.port else {
            return .failure(Skip(resource: "Redshift cluster \(cluster.identifier)", reason: "no endpoint yet"))
        }
        let (region, account) = location(arn: cluster.namespaceARN, context: context)
        let labels = DiscoveryLabel.labels(region: region, accountID: account, extra: [:], tags: cluster.tags)
        var db = database(name: name(cluster.identifier, labels: labels), description: "Redshift cluster in \(region)",
                          protocol: .postgres, uri: "\(address):\(port)", labels: labels, region: region,
                          account: account, context: context)
        db.aws.redshift.clusterID = cluster.identifier
        return .success(db)
    }

    // MARK: Shared

    /// Postern's proxy speaks PostgreSQL and Redis; MySQL and MariaDB are seen but not offered.
    static func protocolFor(engine: String?) -> DatabaseProtocol? {
        switch engine {
        case "postgres", "aurora-postgresql": return .postgres
        default: return nil
        }
    }

    /// Region and account from the resource's ARN, as Teleport reads them; the context fills in
    /// what the ARN lacks (moto's Redshift clusters have no namespace ARN).
    static func location(arn: String?, context: Context) -> (region: String, account: String) {
        let parsed = arn.flatMap(AWSARN.init)
        let region = parsed.map(\.region).flatMap { $0.isEmpty ? nil : $0 } ?? context.region
        let account = parsed.map(\.accountID).flatMap { $0.isEmpty ? nil : $0 } ?? context.accountID
        return (region, account)
    }

    /// Teleport's `setAWSDBName`: parts joined by `-`, the first replaced by a name-override tag.
    static func name(_ first: String, _ extra: [String] = [], labels: Labels) -> String {
        let override = DiscoveryLabel.nameOverrides.lazy.compactMap { labels[$0] }.first { !$0.isEmpty }
        return ([override ?? first] + extra).joined(separator: "-")
    }

    private static func database(name: String, description: String, protocol proto: DatabaseProtocol, uri: String,
                                 labels: Labels, region: String, account: String, context: Context) -> Database {
        var aws = DatabaseAWS()
        aws.region = region
        aws.accountID = account
        aws.assumeRoleARN = context.assumeRoleARN
        aws.externalID = context.externalID
        return Database(name: name, description: description, protocol: proto, uri: uri, staticLabels: labels,
                        aws: aws, auth: .iam, origin: .cloud)
    }
}

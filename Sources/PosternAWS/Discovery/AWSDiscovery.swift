import Foundation
import PosternCore

/// Where discovery gets its AWS clients: one per service and region, signed with the ambient
/// credentials or, when the matcher names one, an assumed role.
public protocol AWSDiscoveryClients: Sendable {
    func client(for service: AWSService, region: String, assumeRoleARN: String, externalID: String) async throws
        -> AWSServiceClient
    /// The account the (possibly assumed) identity belongs to, for resources whose ARN does not
    /// say; nil when it cannot be learnt.
    func accountID(region: String, assumeRoleARN: String, externalID: String) async -> String?
}

/// Runs Teleport's AWS database fetchers for each matcher, type and region, and turns what they
/// find into `Database` values (`origin: .cloud`) that pass the matcher's tags.
public struct AWSDiscovery: Sendable {
    public let matchers: [AWSMatcher]
    public let clients: any AWSDiscoveryClients
    /// Page size of the Describe calls (AWS's own limit is 100; tests lower it to page).
    public var pageSize = DescribeCalls.pageSize
    public var now: @Sendable () -> Date = { Date() }

    public init(matchers: [AWSMatcher], clients: any AWSDiscoveryClients) {
        self.matchers = matchers
        self.clients = clients
    }

    struct Fetched: Sendable {
        var databases: [Database] = []
        var skipped: [DiscoverySnapshot.Skipped] = []
    }

    struct Job: Sendable {
        var index: Int
        var matcher: AWSMatcher
        var type: AWSMatcherType
        var region: String
    }

    /// One pass over every matcher; fetches run concurrently and a failed one is reported in
    /// the snapshot without hiding what the others found.
    public func discover() async -> DiscoverySnapshot {
        var jobs: [Job] = []
        for (index, matcher) in matchers.enumerated() {
            for region in matcher.regions {
                for type in matcher.types { jobs.append(Job(index: index, matcher: matcher, type: type, region: region)) }
            }
        }
        let results = await withTaskGroup(of: (Int, Result<Fetched, DiscoverySnapshot.Failure>).self) { group in
            for (order, job) in jobs.enumerated() {
                group.addTask {
                    do {
                        return (order, .success(try await fetch(job)))
                    } catch {
                        let failure = DiscoverySnapshot.Failure(
                            matcher: job.index, type: job.type, region: job.region, message: "\(error)")
                        return (order, .failure(failure))
                    }
                }
            }
            var out: [(Int, Result<Fetched, DiscoverySnapshot.Failure>)] = []
            for await result in group { out.append(result) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var snapshot = DiscoverySnapshot(takenAt: now())
        var names = Set<String>()
        for result in results {
            switch result {
            case .success(let fetched):
                for db in fetched.databases where names.insert(db.name).inserted {
                    snapshot.databases.append(db)
                }
                snapshot.skipped += fetched.skipped
            case .failure(let failure):
                snapshot.failures.append(failure)
            }
        }
        snapshot.databases.sort { $0.name < $1.name }
        return snapshot
    }

    func fetch(_ job: Job) async throws -> Fetched {
        let service: AWSService
        switch job.type {
        case .rds: service = .rds
        case .elastiCache: service = .elastiCache
        case .memoryDB: service = .memoryDB
        case .redshift: service = .redshift
        }
        let role = job.matcher
        let client = try await clients.client(
            for: service, region: job.region, assumeRoleARN: role.assumeRoleARN, externalID: role.externalID)
        var context = DiscoveredDatabases.Context(
            region: job.region, accountID: "", assumeRoleARN: role.assumeRoleARN, externalID: role.externalID)
        var fetched: Fetched
        switch job.type {
        case .rds:
            fetched = try await fetchRDS(client, context)
        case .elastiCache:
            fetched = try await fetchElastiCache(client, context)
        case .memoryDB:
            fetched = try await fetchMemoryDB(client, context)
        case .redshift:
            let clusters = try await DescribeCalls.redshiftClusters(client, pageSize: pageSize)
            // Teleport reads the account from ClusterNamespaceArn; ask STS only when it is missing.
            if clusters.contains(where: { $0.namespaceARN == nil }) {
                context.accountID = await clients.accountID(
                    region: job.region, assumeRoleARN: role.assumeRoleARN, externalID: role.externalID) ?? ""
            }
            fetched = Self.redshift(clusters, context)
        }
        return Self.filtered(fetched, by: job.matcher)
    }

    /// Keeps the databases whose labels (AWS tags and discovery labels) pass the matcher's tags.
    static func filtered(_ fetched: Fetched, by matcher: AWSMatcher) -> Fetched {
        var out = Fetched(skipped: fetched.skipped)
        for db in fetched.databases {
            if matcher.matches(db.staticLabels) {
                out.databases.append(db)
            } else {
                out.skipped.append(.init(resource: db.name, reason: "labels do not match the matcher's tags"))
            }
        }
        return out
    }

    // MARK: RDS instances and Aurora clusters

    func fetchRDS(_ client: AWSServiceClient, _ context: DiscoveredDatabases.Context) async throws -> Fetched {
        let instances = try await DescribeCalls.rdsInstances(
            client, filters: [("engine", DiscoveryEligibility.rdsInstanceEngines)], pageSize: pageSize)
        let clusters = try await DescribeCalls.rdsClusters(
            client, filters: [("engine", DiscoveryEligibility.auroraEngines)], pageSize: pageSize)
        var fetched = Fetched()
        let usable = fetched.keep(instances, named: { "RDS instance \($0.identifier)" }, rules: [
            { DiscoveryEligibility.isSupported($0) ? nil : "engine version has no IAM authentication" },
            { DiscoveryEligibility.isAvailable(instanceStatus: $0.status) ? nil : "status \($0.status ?? "?")" },
        ])
        for instance in usable {
            fetched.record(DiscoveredDatabases.rdsInstance(instance, context: context))
        }
        let usableClusters = fetched.keep(clusters, named: { "Aurora cluster \($0.identifier)" }, rules: [
            { DiscoveryEligibility.isSupported($0) ? nil : "engine mode has no IAM authentication" },
            { DiscoveryEligibility.isAvailable(clusterStatus: $0.status) ? nil : "status \($0.status ?? "?")" },
        ])
        for cluster in usableClusters {
            // Teleport asks for the member instances only for the VPC label; members it could
            // not list do not stop the cluster from being offered.
            let members = try? await DescribeCalls.rdsInstances(
                client, filters: [("engine", DiscoveryEligibility.auroraEngines), ("db-cluster-id", [cluster.identifier])],
                pageSize: pageSize)
            let vpc = members?.first?.subnetGroup?.vpcID
            let (databases, skipped) = DiscoveredDatabases.auroraCluster(cluster, firstMemberVPC: vpc, context: context)
            fetched.databases += databases
            fetched.skipped += skipped.map { .init(resource: $0.resource, reason: $0.reason) }
        }
        return fetched
    }

    // MARK: ElastiCache and MemoryDB

    func fetchElastiCache(_ client: AWSServiceClient, _ context: DiscoveredDatabases.Context) async throws -> Fetched {
        var fetched = Fetched()
        let groups = fetched.keep(
            try await DescribeCalls.replicationGroups(client, pageSize: pageSize),
            named: { "ElastiCache replication group \($0.identifier)" },
            rules: [
                { $0.transitEncryption == true ? nil : "in-transit encryption is off" },
                { DiscoveryEligibility.isAvailable(resourceStatus: $0.status) ? nil : "status \($0.status ?? "?")" },
            ])
        guard !groups.isEmpty else { return fetched }
        // Extra labels only; Teleport carries on without them (e.g. no permission).
        let nodes = (try? await DescribeCalls.cacheNodes(client, pageSize: pageSize)) ?? []
        let subnetGroups = (try? await DescribeCalls.cacheSubnetGroups(client, pageSize: pageSize)) ?? []
        for group in groups {
            let tags = await Self.tags(group.arn) { try await DescribeCalls.elastiCacheTags(client, arn: $0) }
            let extra = DiscoveredDatabases.elastiCacheExtraLabels(
                group: group.identifier, nodes: nodes, subnetGroups: subnetGroups)
            fetched.databases += DiscoveredDatabases.elastiCache(group, extraLabels: extra, tags: tags, context: context)
        }
        return fetched
    }

    func fetchMemoryDB(_ client: AWSServiceClient, _ context: DiscoveredDatabases.Context) async throws -> Fetched {
        var fetched = Fetched()
        let clusters = fetched.keep(
            try await DescribeCalls.memoryDBClusters(client, pageSize: pageSize),
            named: { "MemoryDB cluster \($0.name)" },
            rules: [
                { $0.tlsEnabled == true ? nil : "TLS is off" },
                { DiscoveryEligibility.isAvailable(resourceStatus: $0.status) ? nil : "status \($0.status ?? "?")" },
            ])
        guard !clusters.isEmpty else { return fetched }
        let subnetGroups = (try? await DescribeCalls.memoryDBSubnetGroups(client, pageSize: pageSize)) ?? []
        for cluster in clusters {
            let tags = await Self.tags(cluster.arn) { try await DescribeCalls.memoryDBTags(client, arn: $0) }
            fetched.record(DiscoveredDatabases.memoryDB(cluster, subnetGroups: subnetGroups, tags: tags, context: context))
        }
        return fetched
    }

    /// A resource's tags, or none when it has no ARN or they cannot be listed (as in Teleport).
    static func tags(_ arn: String?, _ list: (String) async throws -> [AWSResourceTag]) async -> [AWSResourceTag] {
        guard let arn else { return [] }
        return (try? await list(arn)) ?? []
    }

    // MARK: Redshift

    static func redshift(_ clusters: [RedshiftCluster], _ context: DiscoveredDatabases.Context) -> Fetched {
        var fetched = Fetched()
        let usable = fetched.keep(clusters, named: { "Redshift cluster \($0.identifier)" }, rules: [
            { DiscoveryEligibility.isAvailable(redshiftStatus: $0.status) ? nil : "status \($0.status ?? "?")" },
        ])
        for cluster in usable {
            fetched.record(DiscoveredDatabases.redshift(cluster, context: context))
        }
        return fetched
    }
}

extension AWSDiscovery.Fetched {
    /// The items every rule passes (a rule answers nil, or why not); the others are recorded as
    /// skipped with the first reason.
    mutating func keep<Item>(_ items: [Item], named name: (Item) -> String, rules: [(Item) -> String?]) -> [Item] {
        items.filter { item in
            guard let reason = rules.lazy.compactMap({ $0(item) }).first else { return true }
            skipped.append(.init(resource: name(item), reason: reason))
            return false
        }
    }

    mutating func record(_ result: Result<Database, DiscoveredDatabases.Skip>) {
        switch result {
        case .success(let db): databases.append(db)
        case .failure(let skip): skipped.append(.init(resource: skip.resource, reason: skip.reason))
        }
    }
}

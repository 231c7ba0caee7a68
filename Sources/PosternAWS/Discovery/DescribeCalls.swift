/// The Describe/List calls discovery makes, one page at a time, and the paging loop.
enum DescribeCalls {
    /// Teleport's `maxAWSPages`: a fetch reads at most this many pages of one call.
    static let maxPages = 10
    static let pageSize = 100

    /// Follows `Marker`/`NextToken` until there is none, it repeats (the SDK paginators'
    /// `StopOnDuplicateToken`), or `maxPages` were read.
    static func all<Item: Sendable>(
        maxPages: Int = maxPages, _ page: (String?) async throws -> (items: [Item], next: String?)
    ) async throws -> [Item] {
        var items: [Item] = []
        var marker: String?
        var seen = Set<String>()
        for _ in 0..<maxPages {
            let (pageItems, next) = try await page(marker)
            items += pageItems
            guard let next, !next.isEmpty, seen.insert(next).inserted else { break }
            marker = next
        }
        return items
    }

    // MARK: RDS (Query, 2014-10-31)

    static let rdsVersion = "2014-10-31"

    /// `Filters.Filter.N.Name` / `Filters.Filter.N.Values.Value.M`.
    static func rdsFilters(_ filters: [(name: String, values: [String])]) -> [AWSQueryItem] {
        var items: [AWSQueryItem] = []
        for (i, filter) in filters.enumerated() {
            items.append(AWSQueryItem("Filters.Filter.\(i + 1).Name", filter.name))
            for (j, value) in filter.values.enumerated() {
                items.append(AWSQueryItem("Filters.Filter.\(i + 1).Values.Value.\(j + 1)", value))
            }
        }
        return items
    }

    static func paging(_ marker: String?, _ pageSize: Int) -> [AWSQueryItem] {
        [AWSQueryItem("MaxRecords", String(pageSize))] + (marker.map { [AWSQueryItem("Marker", $0)] } ?? [])
    }

    /// Every page of a Query-protocol Describe call: `MaxRecords`/`Marker` after `parameters`.
    static func queryPages<Page: Decodable, Item: Sendable>(
        _ client: AWSServiceClient, action: String, version: String, parameters: [AWSQueryItem] = [],
        pageSize: Int, _ page: Page.Type, items: (Page) -> (items: [Item], next: String?)
    ) async throws -> [Item] {
        try await all { marker in
            items(try await client.query(
                action: action, version: version, parameters: parameters + paging(marker, pageSize), result: Page.self))
        }
    }

    static func rdsInstances(_ client: AWSServiceClient, filters: [(name: String, values: [String])],
                             pageSize: Int = pageSize) async throws -> [RDSDBInstance] {
        try await queryPages(client, action: "DescribeDBInstances", version: rdsVersion, parameters: rdsFilters(filters),
                             pageSize: pageSize, RDSInstancesPage.self) { ($0.instances.items(), $0.marker) }
    }

    static func rdsClusters(_ client: AWSServiceClient, filters: [(name: String, values: [String])],
                            pageSize: Int = pageSize) async throws -> [RDSDBCluster] {
        try await queryPages(client, action: "DescribeDBClusters", version: rdsVersion, parameters: rdsFilters(filters),
                             pageSize: pageSize, RDSClustersPage.self) { ($0.clusters.items(), $0.marker) }
    }

    // MARK: ElastiCache (Query, 2015-02-02)

    static let elastiCacheVersion = "2015-02-02"

    static func replicationGroups(_ client: AWSServiceClient, pageSize: Int = pageSize) async throws
        -> [ElastiCacheReplicationGroup]
    {
        try await queryPages(client, action: "DescribeReplicationGroups", version: elastiCacheVersion,
                             pageSize: pageSize, ElastiCacheGroupsPage.self) { ($0.groups.items(), $0.marker) }
    }

    /// Nodes that belong to a replication group (memcached and single-node Redis are left out).
    static func cacheNodes(_ client: AWSServiceClient, pageSize: Int = pageSize) async throws -> [ElastiCacheNode] {
        try await queryPages(client, action: "DescribeCacheClusters", version: elastiCacheVersion,
                             pageSize: pageSize, ElastiCacheNodesPage.self) {
            ($0.nodes.items().filter { $0.replicationGroupID != nil }, $0.marker)
        }
    }

    static func cacheSubnetGroups(_ client: AWSServiceClient, pageSize: Int = pageSize) async throws
        -> [ElastiCacheSubnetGroup]
    {
        try await queryPages(client, action: "DescribeCacheSubnetGroups", version: elastiCacheVersion,
                             pageSize: pageSize, ElastiCacheSubnetGroupsPage.self) { ($0.subnetGroups.items(), $0.marker) }
    }

    static func elastiCacheTags(_ client: AWSServiceClient, arn: String) async throws -> [AWSResourceTag] {
        try await client.query(
            action: "ListTagsForResource", version: elastiCacheVersion,
            parameters: [AWSQueryItem("ResourceName", arn)], result: ElastiCacheTagsResult.self
        ).tagList.items()
    }

    // MARK: MemoryDB (JSON 1.1, AmazonMemoryDB.*)

    struct PageRequest: Encodable {
        var MaxResults: Int
        var NextToken: String?
    }

    static func memoryDBClusters(_ client: AWSServiceClient, pageSize: Int = pageSize) async throws
        -> [MemoryDBCluster]
    {
        try await all { token in
            let page = try await client.json(
                target: "AmazonMemoryDB.DescribeClusters", request: PageRequest(MaxResults: pageSize, NextToken: token),
                response: MemoryDBClustersPage.self)
            return (page.clusters ?? [], page.nextToken)
        }
    }

    static func memoryDBSubnetGroups(_ client: AWSServiceClient, pageSize: Int = pageSize) async throws
        -> [MemoryDBSubnetGroup]
    {
        try await all { token in
            let page = try await client.json(
                target: "AmazonMemoryDB.DescribeSubnetGroups",
                request: PageRequest(MaxResults: pageSize, NextToken: token), response: MemoryDBSubnetGroupsPage.self)
            return (page.subnetGroups ?? [], page.nextToken)
        }
    }

    struct TagsRequest: Encodable {
        var ResourceArn: String
    }

    static func memoryDBTags(_ client: AWSServiceClient, arn: String) async throws -> [AWSResourceTag] {
        try await client.json(
            target: "AmazonMemoryDB.ListTags", request: TagsRequest(ResourceArn: arn), response: MemoryDBTagsResult.self
        ).tagList ?? []
    }

    // MARK: Redshift

    static func redshiftClusters(_ client: AWSServiceClient, pageSize: Int = pageSize) async throws
        -> [RedshiftCluster]
    {
        try await queryPages(client, action: "DescribeClusters", version: RedshiftAPI.version, pageSize: pageSize,
                             RedshiftClustersPage.self) { ($0.clusters.items(), $0.marker) }
    }
}

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

    static func rdsInstances(_ client: AWSServiceClient, filters: [(name: String, values: [String])],
                             pageSize: Int = pageSize) async throws -> [RDSDBInstance] {
        try await all { marker in
            let page = try await client.query(
                action: "DescribeDBInstances", version: rdsVersion,
                parameters: rdsFilters(filters) + paging(marker, pageSize), result: RDSInstancesPage.self)
            return (page.instances.items(), page.marker)
        }
    }

    static func rdsClusters(_ client: AWSServiceClient, filters: [(name: String, values: [String])],
                            pageSize: Int = pageSize) async throws -> [RDSDBCluster] {
        try await all { marker in
            let page = try await client.query(
                action: "DescribeDBClusters", version: rdsVersion,
                parameters: rdsFilters(filters) + paging(marker, pageSize), result: RDSClustersPage.self)
            return (page.clusters.items(), page.marker)
        }
    }

    // MARK: ElastiCache (Query, 2015-02-02)

    static let elastiCacheVersion = "2015-02-02"

    static func replicationGroups(_ client: AWSServiceClient, pageSize: Int = pageSize) async throws
        -> [ElastiCacheReplicationGroup]
    {
        try await all { marker in
            let page = try await client.query(
                action: "DescribeReplicationGroups", version: elastiCacheVersion,
                parameters: paging(marker, pageSize), result: ElastiCacheGroupsPage.self)
            return (page.groups.items(), page.marker)
        }
    }

    /// Nodes that belong to a replication group (memcached and single-node Redis are left out).
    static func cacheNodes(_ client: AWSServiceClient, pageSize: Int = pageSize) async throws -> [ElastiCacheNode] {
        try await all { marker in
            let page = try await client.query(
                action: "DescribeCacheClusters", version: elastiCacheVersion,
                parameters: paging(marker, pageSize), result: ElastiCacheNodesPage.self)
            return (page.nodes.items().filter { $0.replicationGroupID != nil }, page.marker)
        }
    }

    static func cacheSubnetGroups(_ client: AWSServiceClient, pageSize: Int = pageSize) async throws
        -> [ElastiCacheSubnetGroup]
    {
        try await all { marker in
            let page = try await client.query(
                action: "DescribeCacheSubnetGroups", version: elastiCacheVersion,
                parameters: paging(marker, pageSize), result: ElastiCacheSubnetGroupsPage.self)
            return (page.subnetGroups.items(), page.marker)
        }
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
        try await all { marker in
            let page = try await RedshiftAPI(client: client).describeClusters(marker: marker, pageSize: pageSize)
            return (page.clusters.items(), page.marker)
        }
    }
}

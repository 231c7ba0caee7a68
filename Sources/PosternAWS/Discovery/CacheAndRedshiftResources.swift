/// The fields of an ElastiCache `ReplicationGroup` discovery reads.
struct ElastiCacheReplicationGroup: Decodable, Sendable, Equatable {
    struct NodeGroup: Decodable, Sendable, Equatable {
        var primaryEndpoint: AWSResourceEndpoint?
        var readerEndpoint: AWSResourceEndpoint?
        enum CodingKeys: String, CodingKey {
            case primaryEndpoint = "PrimaryEndpoint"
            case readerEndpoint = "ReaderEndpoint"
        }
    }

    var identifier: String
    var arn: String?
    var status: String?
    var clusterEnabled: Bool?
    var transitEncryption: Bool?
    var configurationEndpoint: AWSResourceEndpoint?
    var nodeGroups: AWSXMLList<NodeGroup>?

    enum CodingKeys: String, CodingKey {
        case identifier = "ReplicationGroupId"
        case arn = "ARN"
        case status = "Status"
        case clusterEnabled = "ClusterEnabled"
        case transitEncryption = "TransitEncryptionEnabled"
        case configurationEndpoint = "ConfigurationEndpoint"
        case nodeGroups = "NodeGroups"
    }
}

/// An ElastiCache node (`CacheCluster`): where the engine version and subnet group are.
struct ElastiCacheNode: Decodable, Sendable, Equatable {
    var replicationGroupID: String?
    var engineVersion: String?
    var subnetGroupName: String?
    enum CodingKeys: String, CodingKey {
        case replicationGroupID = "ReplicationGroupId"
        case engineVersion = "EngineVersion"
        case subnetGroupName = "CacheSubnetGroupName"
    }
}

struct ElastiCacheSubnetGroup: Decodable, Sendable, Equatable {
    var name: String?
    var vpcID: String?
    enum CodingKeys: String, CodingKey {
        case name = "CacheSubnetGroupName"
        case vpcID = "VpcId"
    }
}

struct ElastiCacheGroupsPage: Decodable, Sendable {
    var groups: AWSXMLList<ElastiCacheReplicationGroup>?
    var marker: String?
    enum CodingKeys: String, CodingKey {
        case groups = "ReplicationGroups"
        case marker = "Marker"
    }
}

struct ElastiCacheNodesPage: Decodable, Sendable {
    var nodes: AWSXMLList<ElastiCacheNode>?
    var marker: String?
    enum CodingKeys: String, CodingKey {
        case nodes = "CacheClusters"
        case marker = "Marker"
    }
}

struct ElastiCacheSubnetGroupsPage: Decodable, Sendable {
    var subnetGroups: AWSXMLList<ElastiCacheSubnetGroup>?
    var marker: String?
    enum CodingKeys: String, CodingKey {
        case subnetGroups = "CacheSubnetGroups"
        case marker = "Marker"
    }
}

struct ElastiCacheTagsResult: Decodable, Sendable {
    var tagList: AWSXMLList<AWSResourceTag>?
    enum CodingKeys: String, CodingKey { case tagList = "TagList" }
}

/// The fields of a MemoryDB `Cluster` (JSON protocol) discovery reads.
struct MemoryDBCluster: Codable, Sendable, Equatable {
    var name: String
    var arn: String?
    var status: String?
    var tlsEnabled: Bool?
    var endpoint: AWSResourceEndpoint?
    var engineVersion: String?
    var subnetGroupName: String?

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case arn = "ARN"
        case status = "Status"
        case tlsEnabled = "TLSEnabled"
        case endpoint = "ClusterEndpoint"
        case engineVersion = "EngineVersion"
        case subnetGroupName = "SubnetGroupName"
    }
}

struct MemoryDBClustersPage: Codable, Sendable {
    var clusters: [MemoryDBCluster]?
    var nextToken: String?
    enum CodingKeys: String, CodingKey {
        case clusters = "Clusters"
        case nextToken = "NextToken"
    }
}

struct MemoryDBSubnetGroup: Codable, Sendable, Equatable {
    var name: String?
    var vpcID: String?
    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case vpcID = "VpcId"
    }
}

struct MemoryDBSubnetGroupsPage: Codable, Sendable {
    var subnetGroups: [MemoryDBSubnetGroup]?
    var nextToken: String?
    enum CodingKeys: String, CodingKey {
        case subnetGroups = "SubnetGroups"
        case nextToken = "NextToken"
    }
}

struct MemoryDBTagsResult: Codable, Sendable {
    var tagList: [AWSResourceTag]?
    enum CodingKeys: String, CodingKey { case tagList = "TagList" }
}

/// The fields of a Redshift `Cluster` discovery reads.
struct RedshiftCluster: Decodable, Sendable, Equatable {
    var identifier: String
    var namespaceARN: String?
    var status: String?
    var endpoint: AWSResourceEndpoint?
    var tagList: AWSXMLList<AWSResourceTag>?

    enum CodingKeys: String, CodingKey {
        case identifier = "ClusterIdentifier"
        case namespaceARN = "ClusterNamespaceArn"
        case status = "ClusterStatus"
        case endpoint = "Endpoint"
        case tagList = "Tags"
    }

    var tags: [AWSResourceTag] { tagList.items() }
}

struct RedshiftClustersPage: Decodable, Sendable {
    var clusters: AWSXMLList<RedshiftCluster>?
    var marker: String?
    enum CodingKeys: String, CodingKey {
        case clusters = "Clusters"
        case marker = "Marker"
    }
}

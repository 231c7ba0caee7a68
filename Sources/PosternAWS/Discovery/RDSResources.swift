/// An AWS resource tag, as every API spells it.
struct AWSResourceTag: Codable, Sendable, Equatable {
    var key: String
    var value: String?

    init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case key = "Key"
        case value = "Value"
    }
}

/// `host` and `port` of an endpoint (RDS instances, ElastiCache, Redshift, MemoryDB).
struct AWSResourceEndpoint: Codable, Sendable, Equatable {
    var address: String?
    var port: Int?

    init(address: String?, port: Int?) {
        self.address = address
        self.port = port
    }

    enum CodingKeys: String, CodingKey {
        case address = "Address"
        case port = "Port"
    }
}

/// The fields of an RDS `DBInstance` discovery reads.
struct RDSDBInstance: Decodable, Sendable, Equatable {
    struct SubnetGroup: Decodable, Sendable, Equatable {
        var vpcID: String?
        enum CodingKeys: String, CodingKey { case vpcID = "VpcId" }
    }

    var identifier: String
    var arn: String?
    var clusterIdentifier: String?
    var resourceID: String?
    var engine: String?
    var engineVersion: String?
    var status: String?
    var endpoint: AWSResourceEndpoint?
    var iamAuth: Bool?
    var subnetGroup: SubnetGroup?
    var tagList: AWSXMLList<AWSResourceTag>?

    enum CodingKeys: String, CodingKey {
        case identifier = "DBInstanceIdentifier"
        case arn = "DBInstanceArn"
        case clusterIdentifier = "DBClusterIdentifier"
        case resourceID = "DbiResourceId"
        case engine = "Engine"
        case engineVersion = "EngineVersion"
        case status = "DBInstanceStatus"
        case endpoint = "Endpoint"
        case iamAuth = "IAMDatabaseAuthenticationEnabled"
        case subnetGroup = "DBSubnetGroup"
        case tagList = "TagList"
    }

    var tags: [AWSResourceTag] { tagList.items() }
}

/// The fields of an RDS `DBCluster` (Aurora) discovery reads.
struct RDSDBCluster: Decodable, Sendable, Equatable {
    struct Member: Decodable, Sendable, Equatable {
        var instanceIdentifier: String
        var isWriter: Bool?
        enum CodingKeys: String, CodingKey {
            case instanceIdentifier = "DBInstanceIdentifier"
            case isWriter = "IsClusterWriter"
        }
    }

    var identifier: String
    var arn: String?
    var resourceID: String?
    var engine: String?
    var engineVersion: String?
    var engineMode: String?
    var status: String?
    var endpoint: String?
    var readerEndpoint: String?
    var customEndpoints: AWSXMLList<String>?
    var port: Int?
    var iamAuth: Bool?
    var members: AWSXMLList<Member>?
    var tagList: AWSXMLList<AWSResourceTag>?

    enum CodingKeys: String, CodingKey {
        case identifier = "DBClusterIdentifier"
        case arn = "DBClusterArn"
        case resourceID = "DbClusterResourceId"
        case engine = "Engine"
        case engineVersion = "EngineVersion"
        case engineMode = "EngineMode"
        case status = "Status"
        case endpoint = "Endpoint"
        case readerEndpoint = "ReaderEndpoint"
        case customEndpoints = "CustomEndpoints"
        case port = "Port"
        case iamAuth = "IAMDatabaseAuthenticationEnabled"
        case members = "DBClusterMembers"
        case tagList = "TagList"
    }

    var tags: [AWSResourceTag] { tagList.items() }
}

/// `DescribeDBInstancesResult` / `DescribeDBClustersResult`: a page and its `Marker`.
struct RDSInstancesPage: Decodable, Sendable {
    var instances: AWSXMLList<RDSDBInstance>?
    var marker: String?
    enum CodingKeys: String, CodingKey {
        case instances = "DBInstances"
        case marker = "Marker"
    }
}

struct RDSClustersPage: Decodable, Sendable {
    var clusters: AWSXMLList<RDSDBCluster>?
    var marker: String?
    enum CodingKeys: String, CodingKey {
        case clusters = "DBClusters"
        case marker = "Marker"
    }
}

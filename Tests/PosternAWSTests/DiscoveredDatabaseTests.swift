import Foundation
import PosternCore
import XCTest

@testable import PosternAWS

/// Describe answers (the shapes AWS and moto send) into databases named and labelled as
/// Teleport's discovery does, and Teleport's eligibility rules.
final class DiscoveredDatabaseTests: XCTestCase {
    let context = DiscoveredDatabases.Context(
        region: "eu-west-2", accountID: "", assumeRoleARN: "arn:aws:iam::210987654321:role/disc", externalID: "x1")

    static let clustersXML = """
    <DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBClustersResult><DBClusters>\
    <DBCluster><DBClusterIdentifier>reports</DBClusterIdentifier><Status>available</Status>\
    <Endpoint>reports.cluster-abc.us-east-1.rds.amazonaws.com</Endpoint>\
    <ReaderEndpoint>reports.cluster-ro-abc.us-east-1.rds.amazonaws.com</ReaderEndpoint>\
    <CustomEndpoints><member>etl.cluster-custom-abc.us-east-1.rds.amazonaws.com</member></CustomEndpoints>\
    <Engine>aurora-postgresql</Engine><EngineVersion>15.4</EngineVersion><Port>5432</Port>\
    <DBClusterMembers><DBClusterMember><DBInstanceIdentifier>reports-1</DBInstanceIdentifier><IsClusterWriter>true</IsClusterWriter></DBClusterMember>\
    <DBClusterMember><DBInstanceIdentifier>reports-2</DBInstanceIdentifier><IsClusterWriter>false</IsClusterWriter></DBClusterMember></DBClusterMembers>\
    <DbClusterResourceId>cluster-RES</DbClusterResourceId><DBClusterArn>arn:aws:rds:us-east-1:123456789012:cluster:reports</DBClusterArn>\
    <IAMDatabaseAuthenticationEnabled>true</IAMDatabaseAuthenticationEnabled><EngineMode>provisioned</EngineMode>\
    <TagList><Tag><Key>team</Key><Value>data</Value></Tag><Tag><Key>bad key!</Key><Value>x</Value></Tag></TagList>\
    </DBCluster></DBClusters><Marker>m2</Marker></DescribeDBClustersResult>\
    <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBClustersResponse>
    """

    static let instancesXML = """
    <DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInstance>\
    <DBInstanceIdentifier>orders</DBInstanceIdentifier><Engine>postgres</Engine><DBInstanceStatus>available</DBInstanceStatus>\
    <Endpoint><Address>orders.aaaaaaaaaa.us-east-1.rds.amazonaws.com</Address><Port>5432</Port></Endpoint>\
    <EngineVersion>15.3</EngineVersion><DbiResourceId>db-RES</DbiResourceId>\
    <DBSubnetGroup><DBSubnetGroupName>g</DBSubnetGroupName><VpcId>vpc-1</VpcId></DBSubnetGroup>\
    <DBInstanceArn>arn:aws:rds:us-east-1:123456789012:db:orders</DBInstanceArn>\
    <IAMDatabaseAuthenticationEnabled>false</IAMDatabaseAuthenticationEnabled>\
    <TagList><Tag><Key>env</Key><Value>prod</Value></Tag><Tag><Key>region</Key><Value>tagged</Value></Tag></TagList>\
    </DBInstance><DBInstance><DBInstanceIdentifier>empty</DBInstanceIdentifier><TagList/></DBInstance>\
    </DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>
    """

    func decode<T: Decodable>(_ type: T.Type, _ xml: String, action: String) throws -> T {
        try AWSXML.decodeQueryResult(T.self, action: action, service: .rds, from: Array(xml.utf8))
    }

    func testRDSInstanceBecomesATeleportNamedDatabase() throws {
        let page = try decode(RDSInstancesPage.self, Self.instancesXML, action: "DescribeDBInstances")
        XCTAssertNil(page.marker)
        XCTAssertEqual(page.instances.items().count, 2)
        XCTAssertEqual(page.instances.items()[1].tags, [])
        let db = try DiscoveredDatabases.rdsInstance(page.instances.items()[0], context: context).get()
        XCTAssertEqual(db.name, "orders")
        XCTAssertEqual(db.description, "RDS instance in us-east-1")
        XCTAssertEqual(db.protocol, .postgres)
        XCTAssertEqual(db.uri, "orders.aaaaaaaaaa.us-east-1.rds.amazonaws.com:5432")
        XCTAssertEqual(db.origin, .cloud)
        XCTAssertEqual(db.auth, .iam)
        XCTAssertEqual(db.type, .rds)
        XCTAssertEqual(db.staticLabels, [
            "account-id": "123456789012", "region": "tagged", "teleport.dev/cloud": "AWS",
            "engine": "postgres", "engine-version": "15.3", "endpoint-type": "instance", "vpc-id": "vpc-1",
            "env": "prod", "teleport.dev/origin": "cloud",
        ], "tags override discovery labels, as Teleport's addLabels does")
        XCTAssertEqual(db.aws.region, "us-east-1", "the ARN's region, not the tag")
        XCTAssertEqual(db.aws.accountID, "123456789012")
        XCTAssertEqual(db.aws.rds.instanceID, "orders")
        XCTAssertEqual(db.aws.rds.resourceID, "db-RES")
        XCTAssertFalse(db.aws.rds.iamAuth)
        XCTAssertEqual(db.aws.assumeRoleARN, "arn:aws:iam::210987654321:role/disc")
        XCTAssertEqual(db.aws.externalID, "x1")
        // No endpoint yet: skipped with a reason.
        guard case .failure(let skip) = DiscoveredDatabases.rdsInstance(page.instances.items()[1], context: context)
        else { return XCTFail("an instance without an endpoint is not a database") }
        XCTAssertEqual(skip.reason, "engine ? is not PostgreSQL")
    }

    func testAuroraClusterPrimaryReaderAndCustomEndpoints() throws {
        let page = try decode(RDSClustersPage.self, Self.clustersXML, action: "DescribeDBClusters")
        XCTAssertEqual(page.marker, "m2")
        let cluster = try XCTUnwrap(page.clusters.items().first)
        let (dbs, skipped) = DiscoveredDatabases.auroraCluster(cluster, firstMemberVPC: "vpc-9", context: context)
        XCTAssertEqual(skipped, [])
        XCTAssertEqual(dbs.map(\.name), ["reports", "reports-reader", "reports-custom-etl"])
        XCTAssertEqual(dbs.map(\.description), [
            "Aurora cluster in us-east-1", "Aurora cluster in us-east-1 (reader endpoint)",
            "Aurora cluster in us-east-1 (custom endpoint)",
        ])
        XCTAssertEqual(dbs.map(\.uri), [
            "reports.cluster-abc.us-east-1.rds.amazonaws.com:5432",
            "reports.cluster-ro-abc.us-east-1.rds.amazonaws.com:5432",
            "etl.cluster-custom-abc.us-east-1.rds.amazonaws.com:5432",
        ])
        XCTAssertEqual(dbs.map { $0.staticLabels["endpoint-type"] }, ["primary", "reader", "custom"])
        XCTAssertEqual(dbs[0].staticLabels, [
            "account-id": "123456789012", "region": "us-east-1", "teleport.dev/cloud": "AWS",
            "engine": "aurora-postgresql", "engine-version": "15.4", "endpoint-type": "primary", "vpc-id": "vpc-9",
            "team": "data", "teleport.dev/origin": "cloud",
        ], "an invalid tag key is dropped")
        for db in dbs {
            XCTAssertEqual(db.aws.rds.clusterID, "reports")
            XCTAssertEqual(db.aws.rds.resourceID, "cluster-RES")
            XCTAssertTrue(db.aws.rds.iamAuth)
            XCTAssertEqual(db.type, .rds)
        }
        XCTAssertNil(dbs[0].tls.serverName)
        XCTAssertEqual(dbs[2].tls.serverName, "reports.cluster-abc.us-east-1.rds.amazonaws.com")

        var writerOnly = cluster
        writerOnly.members = AWSXMLList([.init(instanceIdentifier: "w", isWriter: true)])
        writerOnly.customEndpoints = nil
        XCTAssertEqual(DiscoveredDatabases.auroraCluster(writerOnly, firstMemberVPC: nil, context: context)
            .databases.map(\.name), ["reports"], "no reader instance, no reader database")
        var mysql = cluster
        mysql.engine = "aurora-mysql"
        XCTAssertEqual(DiscoveredDatabases.auroraCluster(mysql, firstMemberVPC: nil, context: context).skipped.count, 1)
    }

    func testNameOverrideTag() throws {
        var instance = try decode(RDSInstancesPage.self, Self.instancesXML, action: "DescribeDBInstances")
            .instances.items()[0]
        instance.tagList = AWSXMLList([AWSResourceTag("teleport.dev/database_name", "legacy"),
                                       AWSResourceTag("TeleportDatabaseName", "orders-main")])
        XCTAssertEqual(try DiscoveredDatabases.rdsInstance(instance, context: context).get().name, "orders-main")
        let cluster = try XCTUnwrap(try decode(RDSClustersPage.self, Self.clustersXML, action: "DescribeDBClusters")
            .clusters.items().first)
        var renamed = cluster
        renamed.tagList = AWSXMLList([AWSResourceTag("teleport.dev/database_name", "rep")])
        XCTAssertEqual(DiscoveredDatabases.auroraCluster(renamed, firstMemberVPC: nil, context: context)
            .databases.map(\.name), ["rep", "rep-reader", "rep-custom-etl"])
    }

    func testElastiCacheMemoryDBAndRedshift() throws {
        let group = ElastiCacheReplicationGroup(
            identifier: "sessions", arn: "arn:aws:elasticache:us-east-1:123456789012:replicationgroup:sessions",
            status: "available", clusterEnabled: false, transitEncryption: true, configurationEndpoint: nil,
            nodeGroups: AWSXMLList([.init(
                primaryEndpoint: .init(address: "master.sessions.x.use1.cache.amazonaws.com", port: 6379),
                readerEndpoint: .init(address: "replica.sessions.x.use1.cache.amazonaws.com", port: 6379))]))
        let extra = DiscoveredDatabases.elastiCacheExtraLabels(
            group: "sessions",
            nodes: [.init(replicationGroupID: "other", engineVersion: "6.0", subnetGroupName: "a"),
                    .init(replicationGroupID: "sessions", engineVersion: "7.1", subnetGroupName: "b")],
            subnetGroups: [.init(name: "b", vpcID: "vpc-b")])
        XCTAssertEqual(extra, ["engine-version": "7.1", "vpc-id": "vpc-b"])
        let caches = DiscoveredDatabases.elastiCache(group, extraLabels: extra, tags: [AWSResourceTag("env", "prod")],
                                                     context: context)
        XCTAssertEqual(caches.map(\.name), ["sessions", "sessions-reader"])
        XCTAssertEqual(caches.map(\.description), [
            "ElastiCache cluster in us-east-1 (primary endpoint)", "ElastiCache cluster in us-east-1 (reader endpoint)",
        ])
        XCTAssertEqual(caches[1].staticLabels, [
            "account-id": "123456789012", "region": "us-east-1", "teleport.dev/cloud": "AWS",
            "endpoint-type": "reader", "engine-version": "7.1", "vpc-id": "vpc-b", "env": "prod",
            "teleport.dev/origin": "cloud",
        ])
        XCTAssertEqual(caches[0].protocol, .redis)
        XCTAssertEqual(caches[0].aws.elastiCache.replicationGroupID, "sessions")
        XCTAssertEqual(caches[0].type, .elastiCache)
        var clustered = group
        clustered.clusterEnabled = true
        clustered.configurationEndpoint = .init(address: "clustercfg.sessions.x.use1.cache.amazonaws.com", port: 6379)
        let cfg = DiscoveredDatabases.elastiCache(clustered, extraLabels: [:], tags: [], context: context)
        XCTAssertEqual(cfg.map(\.name), ["sessions"])
        XCTAssertEqual(cfg.first?.staticLabels["endpoint-type"], "configuration")

        let memory = MemoryDBCluster(
            name: "queue", arn: "arn:aws:memorydb:us-east-1:123456789012:cluster/queue", status: "available",
            tlsEnabled: true, endpoint: .init(address: "clustercfg.queue.x.memorydb.us-east-1.amazonaws.com", port: 6379),
            engineVersion: "7.1", subnetGroupName: "default")
        let mdb = try DiscoveredDatabases.memoryDB(memory, subnetGroups: [.init(name: "default", vpcID: "vpc-m")],
                                                   tags: [], context: context).get()
        XCTAssertEqual(mdb.name, "queue")
        XCTAssertEqual(mdb.description, "MemoryDB cluster in us-east-1")
        XCTAssertEqual(mdb.staticLabels, [
            "account-id": "123456789012", "region": "us-east-1", "teleport.dev/cloud": "AWS",
            "endpoint-type": "cluster", "engine-version": "7.1", "vpc-id": "vpc-m", "teleport.dev/origin": "cloud",
        ])
        XCTAssertEqual(mdb.aws.memoryDB.clusterName, "queue")
        XCTAssertEqual(mdb.type, .memoryDB)

        let redshiftContext = DiscoveredDatabases.Context(region: "us-east-1", accountID: "123456789012")
        let warehouse = RedshiftCluster(
            identifier: "warehouse", namespaceARN: nil, status: "available",
            endpoint: .init(address: "warehouse.x.us-east-1.redshift.amazonaws.com", port: 5439),
            tagList: AWSXMLList([AWSResourceTag("env", "prod")]))
        let rs = try DiscoveredDatabases.redshift(warehouse, context: redshiftContext).get()
        XCTAssertEqual(rs.name, "warehouse")
        XCTAssertEqual(rs.description, "Redshift cluster in us-east-1")
        XCTAssertEqual(rs.uri, "warehouse.x.us-east-1.redshift.amazonaws.com:5439")
        XCTAssertEqual(rs.staticLabels, [
            "account-id": "123456789012", "region": "us-east-1", "teleport.dev/cloud": "AWS", "env": "prod",
            "teleport.dev/origin": "cloud",
        ], "Teleport gives Redshift clusters no engine or endpoint-type label")
        XCTAssertEqual(rs.aws.redshift.clusterID, "warehouse")
        XCTAssertEqual(rs.type, .redshift)
    }

    func testEligibilityFollowsTeleport() {
        func instance(_ engine: String, _ version: String) -> RDSDBInstance {
            RDSDBInstance(identifier: "i", engine: engine, engineVersion: version)
        }
        XCTAssertTrue(DiscoveryEligibility.isSupported(instance("postgres", "9.3")))
        XCTAssertTrue(DiscoveryEligibility.isSupported(instance("mariadb", "10.6.14")))
        XCTAssertTrue(DiscoveryEligibility.isSupported(instance("mariadb", "11.0")))
        XCTAssertFalse(DiscoveryEligibility.isSupported(instance("mariadb", "10.5.8")))
        func cluster(_ mode: String, _ version: String) -> RDSDBCluster {
            RDSDBCluster(identifier: "c", engineVersion: version, engineMode: mode)
        }
        XCTAssertFalse(DiscoveryEligibility.isSupported(cluster("serverless", "13.1")))
        XCTAssertFalse(DiscoveryEligibility.isSupported(cluster("parallelquery", "5.6.mysql_aurora.1.22.2")))
        XCTAssertTrue(DiscoveryEligibility.isSupported(cluster("parallelquery", "5.6.mysql_aurora.1.22.3")))
        XCTAssertTrue(DiscoveryEligibility.isSupported(cluster("provisioned", "15.4")))
        XCTAssertTrue(DiscoveryEligibility.isAvailable(instanceStatus: "backing-up"))
        XCTAssertTrue(DiscoveryEligibility.isAvailable(instanceStatus: "something-new"))
        XCTAssertFalse(DiscoveryEligibility.isAvailable(instanceStatus: "stopped"))
        XCTAssertFalse(DiscoveryEligibility.isAvailable(clusterStatus: "creating"))
        XCTAssertTrue(DiscoveryEligibility.isAvailable(clusterStatus: "failing-over"))
        XCTAssertFalse(DiscoveryEligibility.isAvailable(resourceStatus: "Deleting"))
        XCTAssertTrue(DiscoveryEligibility.isAvailable(resourceStatus: "modifying"))
        XCTAssertFalse(DiscoveryEligibility.isAvailable(redshiftStatus: "paused"))
        XCTAssertTrue(DiscoveryEligibility.isAvailable(redshiftStatus: "available, prep-for-resize"))
    }
}

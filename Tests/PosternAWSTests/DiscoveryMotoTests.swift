import Foundation
import PosternCore
import XCTest

@testable import PosternAWS

/// Discovery against the shared moto_server: an inventory seeded through the same client
/// (RDS instances, an Aurora cluster with a writer and a reader, an ElastiCache replication
/// group, a MemoryDB cluster, a Redshift cluster), all tagged with this run's id so the matcher
/// finds only them on a server other tests share. Endpoints come from `AWS_ENDPOINT_URL` in the
/// client's environment dictionary; the credentials are moto's `testing`.
final class DiscoveryMotoTests: XCTestCase {
    struct Moto {
        var environment: [String: String]
        var region: String
        var transport: any AWSTransport
        let credentials = StaticCredentialsProvider(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"))

        func client(_ service: AWSService) throws -> AWSServiceClient {
            try AWSServiceClient(service: service, region: region, environment: environment, credentials: credentials,
                                 transport: transport)
        }
    }

    func withMoto<T: Sendable>(_ body: (Moto) async throws -> T) async throws -> T {
        let env = try AWSTestEnvironment.load()
        let environment = ["AWS_ENDPOINT_URL": env.motoURL, "AWS_EC2_METADATA_DISABLED": "true"]
        return try await AWSHTTPTransport.with { transport in
            try await body(Moto(environment: environment, region: env.region, transport: transport))
        }
    }

    static func runID() -> String { String(UUID().uuidString.lowercased().prefix(8)) }

    /// `Tags.Tag.N.Key` / `.Value`, the Query protocol's tag list (RDS, ElastiCache, Redshift).
    static func tags(_ tags: [(String, String)]) -> [AWSQueryItem] {
        tags.enumerated().flatMap { i, tag in
            [AWSQueryItem("Tags.Tag.\(i + 1).Key", tag.0), AWSQueryItem("Tags.Tag.\(i + 1).Value", tag.1)]
        }
    }

    struct Seeded {
        var run: String
        var instance: String { "pg-\(run)" }
        var mysql: String { "my-\(run)" }
        var untagged: String { "pg-untagged-\(run)" }
        var cluster: String { "aurora-\(run)" }
        var group: String { "cache-\(run)" }
        var memory: String { "mem-\(run)" }
        var warehouse: String { "wh-\(run)" }
    }

    func seed(_ moto: Moto) async throws -> Seeded {
        let seeded = Seeded(run: Self.runID())
        let mark = ("postern-test", seeded.run)
        let rds = try moto.client(.rds)
        func createInstance(_ id: String, engine: String, cluster: String? = nil, tags: [(String, String)]) async throws {
            var parameters = [
                AWSQueryItem("DBInstanceIdentifier", id), AWSQueryItem("Engine", engine),
                AWSQueryItem("DBInstanceClass", "db.t3.micro"),
            ]
            if let cluster {
                parameters.append(AWSQueryItem("DBClusterIdentifier", cluster))
            } else {
                parameters += [
                    AWSQueryItem("AllocatedStorage", "20"), AWSQueryItem("MasterUsername", "admin1"),
                    AWSQueryItem("MasterUserPassword", "not-a-secret-1"),
                    AWSQueryItem("EnableIAMDatabaseAuthentication", "true"),
                ]
            }
            _ = try await rds.query(action: "CreateDBInstance", version: "2014-10-31",
                                    parameters: parameters + Self.tags(tags))
        }
        try await createInstance(seeded.instance, engine: "postgres", tags: [mark, ("env", "prod"), ("team", "payments")])
        try await createInstance(seeded.mysql, engine: "mysql", tags: [mark])
        try await createInstance(seeded.untagged, engine: "postgres", tags: [("env", "prod")])
        _ = try await rds.query(action: "CreateDBCluster", version: "2014-10-31", parameters: [
            AWSQueryItem("DBClusterIdentifier", seeded.cluster), AWSQueryItem("Engine", "aurora-postgresql"),
            AWSQueryItem("MasterUsername", "admin1"), AWSQueryItem("MasterUserPassword", "not-a-secret-1"),
            AWSQueryItem("EnableIAMDatabaseAuthentication", "true"),
        ] + Self.tags([mark, ("env", "staging"), ("team", "data")]))
        try await createInstance("\(seeded.cluster)-1", engine: "aurora-postgresql", cluster: seeded.cluster, tags: [])
        try await createInstance("\(seeded.cluster)-2", engine: "aurora-postgresql", cluster: seeded.cluster, tags: [])

        _ = try await moto.client(.elastiCache).query(action: "CreateReplicationGroup", version: "2015-02-02", parameters: [
            AWSQueryItem("ReplicationGroupId", seeded.group), AWSQueryItem("ReplicationGroupDescription", "sessions"),
            AWSQueryItem("Engine", "redis"), AWSQueryItem("CacheNodeType", "cache.t3.micro"),
            AWSQueryItem("TransitEncryptionEnabled", "true"), AWSQueryItem("NumCacheClusters", "1"),
        ] + Self.tags([mark, ("env", "prod")]))

        struct Tag: Encodable { var Key: String; var Value: String }
        struct CreateCluster: Encodable {
            var ClusterName: String
            var NodeType = "db.t4g.small"
            var ACLName = "open-access"
            var TLSEnabled = true
            var Tags: [Tag]
        }
        _ = try await moto.client(.memoryDB).json(
            target: "AmazonMemoryDB.CreateCluster",
            body: Array(try JSONEncoder().encode(CreateCluster(
                ClusterName: seeded.memory, Tags: [Tag(Key: mark.0, Value: mark.1), Tag(Key: "env", Value: "prod")]))))

        _ = try await moto.client(.redshift).query(action: "CreateCluster", version: "2012-12-01", parameters: [
            AWSQueryItem("ClusterIdentifier", seeded.warehouse), AWSQueryItem("NodeType", "dc2.large"),
            AWSQueryItem("MasterUsername", "admin1"), AWSQueryItem("MasterUserPassword", "NotASecret1"),
        ] + Self.tags([mark, ("env", "prod")]))
        return seeded
    }

    func testSeededInventoryIsDiscoveredWithTeleportLabels() async throws {
        try await withMoto { moto in
            let seeded = try await seed(moto)
            let matcher = AWSMatcher(
                types: [.rds, .elastiCache, .memoryDB, .redshift], regions: [moto.region],
                tags: LabelSelector(["postern-test": [seeded.run]]))
            let clients = AWSDiscoveryClientFactory(
                base: moto.credentials, environment: moto.environment, transport: moto.transport)
            let snapshot = await AWSDiscovery(matchers: [matcher], clients: clients).discover()
            XCTAssertEqual(snapshot.failures, [])
            let byName = Dictionary(uniqueKeysWithValues: snapshot.databases.map { ($0.name, $0) })
            XCTAssertEqual(Set(byName.keys), [
                seeded.instance, seeded.cluster, "\(seeded.cluster)-reader", seeded.group, seeded.memory, seeded.warehouse,
            ])
            XCTAssertTrue(snapshot.skipped.contains { $0.resource == "RDS instance \(seeded.mysql)" })
            XCTAssertTrue(snapshot.skipped.contains {
                $0.resource == seeded.untagged && $0.reason == "labels do not match the matcher's tags"
            })
            let common: Labels = [
                "account-id": "123456789012", "region": "us-east-1", "teleport.dev/cloud": "AWS",
                "teleport.dev/origin": "cloud", "postern-test": seeded.run,
            ]
            func labels(_ extra: Labels) -> Labels { common.merging(extra) { _, new in new } }

            let pg = try XCTUnwrap(byName[seeded.instance])
            XCTAssertEqual(pg.protocol, .postgres)
            XCTAssertEqual(pg.origin, .cloud)
            XCTAssertEqual(pg.description, "RDS instance in us-east-1")
            XCTAssertTrue(pg.uri.hasPrefix("\(seeded.instance).") && pg.uri.hasSuffix(".us-east-1.rds.amazonaws.com:5432"),
                          pg.uri)
            XCTAssertEqual(pg.staticLabels, labels([
                "engine": "postgres", "engine-version": try XCTUnwrap(pg.staticLabels["engine-version"]),
                "endpoint-type": "instance", "env": "prod", "team": "payments",
            ]))
            XCTAssertFalse(pg.staticLabels["engine-version", default: ""].isEmpty)
            XCTAssertEqual(pg.type, .rds)
            XCTAssertEqual(pg.aws.region, "us-east-1")
            XCTAssertEqual(pg.aws.accountID, "123456789012")
            XCTAssertEqual(pg.aws.rds.instanceID, seeded.instance)
            XCTAssertTrue(pg.aws.rds.resourceID.hasPrefix("db-"), pg.aws.rds.resourceID)
            XCTAssertTrue(pg.aws.rds.iamAuth)

            let primary = try XCTUnwrap(byName[seeded.cluster])
            let reader = try XCTUnwrap(byName["\(seeded.cluster)-reader"])
            XCTAssertEqual(primary.description, "Aurora cluster in us-east-1")
            XCTAssertEqual(reader.description, "Aurora cluster in us-east-1 (reader endpoint)")
            XCTAssertTrue(primary.uri.contains(".cluster-"), primary.uri)
            XCTAssertTrue(reader.uri.contains(".cluster-ro-"), reader.uri)
            for (db, type) in [(primary, "primary"), (reader, "reader")] {
                XCTAssertEqual(db.staticLabels, labels([
                    "engine": "aurora-postgresql", "engine-version": try XCTUnwrap(db.staticLabels["engine-version"]),
                    "endpoint-type": type, "env": "staging", "team": "data",
                ]))
                XCTAssertEqual(db.aws.rds.clusterID, seeded.cluster)
                XCTAssertTrue(db.aws.rds.resourceID.hasPrefix("cluster-"), db.aws.rds.resourceID)
                XCTAssertTrue(db.aws.rds.iamAuth)
                XCTAssertEqual(db.aws.rds.instanceID, "")
                XCTAssertEqual(db.type, .rds)
            }

            let cache = try XCTUnwrap(byName[seeded.group])
            XCTAssertEqual(cache.protocol, .redis)
            XCTAssertEqual(cache.description, "ElastiCache cluster in us-east-1 (primary endpoint)")
            XCTAssertTrue(cache.uri.hasPrefix("master.\(seeded.group).") && cache.uri.hasSuffix(":6379"), cache.uri)
            XCTAssertEqual(cache.staticLabels, labels(["endpoint-type": "primary", "env": "prod"]),
                           "moto lists no cache nodes, so no engine-version or vpc-id")
            XCTAssertEqual(cache.aws.elastiCache.replicationGroupID, seeded.group)
            XCTAssertEqual(cache.type, .elastiCache)

            let memory = try XCTUnwrap(byName[seeded.memory])
            XCTAssertEqual(memory.description, "MemoryDB cluster in us-east-1")
            XCTAssertTrue(memory.uri.hasPrefix("clustercfg.\(seeded.memory)."), memory.uri)
            XCTAssertTrue(memory.uri.hasSuffix(":6379"), memory.uri)
            XCTAssertEqual(memory.staticLabels, labels([
                "endpoint-type": "cluster", "engine-version": try XCTUnwrap(memory.staticLabels["engine-version"]),
                "vpc-id": try XCTUnwrap(memory.staticLabels["vpc-id"]), "env": "prod",
            ]))
            XCTAssertTrue(memory.staticLabels["vpc-id", default: ""].hasPrefix("vpc-"))
            XCTAssertEqual(memory.aws.memoryDB.clusterName, seeded.memory)
            XCTAssertEqual(memory.type, .memoryDB)

            let warehouse = try XCTUnwrap(byName[seeded.warehouse])
            XCTAssertEqual(warehouse.description, "Redshift cluster in us-east-1")
            XCTAssertTrue(warehouse.uri.hasPrefix("\(seeded.warehouse).") && warehouse.uri.hasSuffix(":5439"),
                          warehouse.uri)
            XCTAssertEqual(warehouse.staticLabels, labels(["env": "prod"]))
            XCTAssertEqual(warehouse.aws.accountID, "123456789012", "from GetCallerIdentity: moto sends no namespace ARN")
            XCTAssertEqual(warehouse.aws.redshift.clusterID, seeded.warehouse)
            XCTAssertEqual(warehouse.type, .redshift)

            // A static database of the same name wins the merge.
            let statics = [Database(name: seeded.memory, protocol: .redis, uri: "127.0.0.1:6379")]
            let inventory = snapshot.inventory(static: statics)
            XCTAssertEqual(inventory.databases.first?.uri, "127.0.0.1:6379")
            XCTAssertEqual(inventory.shadowed.map(\.name), [seeded.memory])
            XCTAssertEqual(inventory.databases.count, 6)
        }
    }

    func testRDSPaginationFollowsMarkers() async throws {
        try await withMoto { moto in
            let seeded = try await seed(moto)
            // One record per page: the cluster's two members come back on two pages.
            let members = try await DescribeCalls.rdsInstances(
                try moto.client(.rds), filters: [("db-cluster-id", [seeded.cluster])], pageSize: 1)
            XCTAssertEqual(members.map(\.identifier).sorted(), ["\(seeded.cluster)-1", "\(seeded.cluster)-2"])
        }
    }

    func testTagFilterAndFailuresAreReportedPerFetch() async throws {
        try await withMoto { moto in
            let seeded = try await seed(moto)
            let matchers = [
                AWSMatcher(types: [.redshift], regions: [moto.region],
                           tags: LabelSelector(["postern-test": [seeded.run], "env": ["dev"]])),
                AWSMatcher(types: [.rds], regions: [moto.region], tags: LabelSelector(["postern-test": [seeded.run]])),
            ]
            var broken = moto.environment
            broken["AWS_ENDPOINT_URL_RDS"] = "not a url"
            let clients = AWSDiscoveryClientFactory(base: moto.credentials, environment: broken, transport: moto.transport)
            let snapshot = await AWSDiscovery(matchers: matchers, clients: clients).discover()
            XCTAssertFalse(snapshot.databases.contains { $0.name == seeded.warehouse }, "env=dev does not match")
            XCTAssertEqual(snapshot.failures.map(\.matcher), [1])
            XCTAssertEqual(snapshot.failures.first?.type, .rds)
            XCTAssertTrue(snapshot.failures.first?.description.contains("AWS_ENDPOINT_URL_RDS") ?? false,
                          "\(snapshot.failures)")
        }
    }
}

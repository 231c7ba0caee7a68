import PosternCore
import XCTest

/// `discovery:` decoding (strict, with file and line) and matcher tag semantics.
final class DiscoveryConfigTests: XCTestCase {
    func decode(_ discovery: String) throws(ConfigError) -> PosternConfig {
        let text = "cluster_name: t\n" + discovery
        return try ConfigDecoder.decode(text, file: "p.yaml", baseDir: "").config
    }

    func decodeError(_ discovery: String) -> ConfigError? {
        do {
            _ = try decode(discovery)
            return nil
        } catch {
            return error
        }
    }

    func testFullMatcherDecodes() throws {
        let config = try decode("""
        discovery:
          aws:
            - types: [rds, elasticache, memorydb, redshift]
              regions: [us-east-1, eu-west-2]
              tags: {env: prod, team: [data, 'web-*'], owner: '*'}
              assume_role_arn: arn:aws:iam::123456789012:role/discovery
              external_id: ext-1
            - types: rds
              regions: us-gov-west-1
        """)
        XCTAssertEqual(config.discovery.aws.count, 2)
        let first = config.discovery.aws[0]
        XCTAssertEqual(first.types, [.rds, .elastiCache, .memoryDB, .redshift])
        XCTAssertEqual(first.regions, ["us-east-1", "eu-west-2"])
        XCTAssertEqual(first.tags, LabelSelector(["env": ["prod"], "team": ["data", "web-*"], "owner": ["*"]]))
        XCTAssertEqual(first.assumeRoleARN, "arn:aws:iam::123456789012:role/discovery")
        XCTAssertEqual(first.externalID, "ext-1")
        let second = config.discovery.aws[1]
        XCTAssertEqual(second.types, [.rds])
        XCTAssertEqual(second.regions, ["us-gov-west-1"])
        XCTAssertEqual(second.tags, .everything, "missing tags mean '*': '*'")
    }

    func testNoDiscoveryBlockIsEmpty() throws {
        XCTAssertTrue(try decode("").discovery.isEmpty)
    }

    func testStrictErrorsNameLineAndReason() {
        let cases: [(String, Int, String)] = [
            ("discovery:\n  azure: []\n", 3, "unknown key \"azure\" in discovery"),
            ("discovery:\n  aws:\n    - types: [rds]\n      regions: [us-east-1]\n      labels: {a: b}\n", 6,
             "unknown key \"labels\" in discovery.aws[0]"),
            ("discovery:\n  aws:\n    - types: [rds, opensearch]\n      regions: [us-east-1]\n", 4,
             "\"opensearch\" is not discovered by Postern (supported: rds, elasticache, memorydb, redshift)"),
            ("discovery:\n  aws:\n    - types: [sql]\n      regions: [us-east-1]\n", 4, "\"sql\" is not a known type"),
            ("discovery:\n  aws:\n    - regions: [us-east-1]\n", 4, "discovery.aws[0].types is required"),
            ("discovery:\n  aws:\n    - types: [rds]\n", 4, "at least one region is required"),
            ("discovery:\n  aws:\n    - types: [rds]\n      regions: ['*']\n", 5, "Postern does not enumerate them"),
            ("discovery:\n  aws:\n    - types: [rds]\n      regions: [us-east-1]\n      tags: {env: '^(prod$'}\n", 6,
             "invalid regular expression"),
            ("discovery:\n  aws:\n    - types: [rds]\n      regions: [us-east-1]\n      assume_role_arn: discovery\n", 6,
             "assume_role_arn must be an IAM role ARN"),
            ("discovery:\n  aws:\n    - types: [rds]\n      regions: [us-east-1]\n      external_id: x\n", 6,
             "external_id needs assume_role_arn"),
        ]
        for (text, line, message) in cases {
            guard let error = decodeError(text) else {
                XCTFail("expected an error for:\n\(text)")
                continue
            }
            XCTAssertEqual(error.file, "p.yaml")
            XCTAssertEqual(error.line, line, "\(error)")
            XCTAssertTrue(error.message.contains(message), "\(error.message) should contain \(message)")
        }
    }

    func testMatcherTagsFollowTeleportMatchLabels() {
        let labels: Labels = ["env": "prod", "team": "web-frontend", "region": "us-east-1"]
        func matches(_ entries: [String: [String]]) -> Bool {
            AWSMatcher(types: [.rds], regions: ["us-east-1"], tags: LabelSelector(entries)).matches(labels)
        }
        XCTAssertTrue(matches(["*": ["*"]]))
        XCTAssertTrue(matches(["env": ["prod"]]))
        XCTAssertTrue(matches(["env": ["dev", "prod"]]))
        XCTAssertTrue(matches(["team": ["web-*"], "region": ["^us-.*$"]]))
        XCTAssertTrue(matches(["env": ["*"]]))
        XCTAssertFalse(matches([:]), "an empty selector matches nothing")
        XCTAssertFalse(matches(["env": ["dev"]]))
        XCTAssertFalse(matches(["owner": ["*"]]), "'*' still needs the key")
        XCTAssertFalse(matches(["env": ["Prod"]]), "case-sensitive")
        XCTAssertFalse(matches(["env": ["prod"], "team": ["web"]]), "every key must match")
    }

    func testMergeStaticWinsThenFirstDiscovered() {
        let statics = [Database(name: "orders", protocol: .postgres, uri: "127.0.0.1:5432")]
        var clash = Database(name: "orders", protocol: .postgres, uri: "orders.x.us-east-1.rds.amazonaws.com:5432")
        clash.origin = .cloud
        var b = Database(name: "b", protocol: .redis, uri: "b:6379")
        b.origin = .cloud
        var a = Database(name: "a", protocol: .postgres, uri: "a:5432")
        a.origin = .cloud
        var aAgain = a
        aAgain.uri = "other:5432"
        let inventory = DatabaseInventory.merge(static: statics, discovered: [clash, b, a, aAgain])
        XCTAssertEqual(inventory.databases.map(\.name), ["orders", "a", "b"])
        XCTAssertEqual(inventory.databases[0].origin, .config)
        XCTAssertEqual(inventory.databases[1].uri, "a:5432")
        XCTAssertEqual(inventory.shadowed.map(\.uri), ["orders.x.us-east-1.rds.amazonaws.com:5432", "other:5432"])
    }
}

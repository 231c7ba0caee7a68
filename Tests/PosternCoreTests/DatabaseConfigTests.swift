import PosternCore
import XCTest

final class DatabaseConfigTests: XCTestCase {
    func decode(_ db: String) throws -> Database {
        let text = "databases:\n" + db.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        return try ConfigDecoder.decode(text, file: "c.yaml", baseDir: "/cfg").config.databases[0]
    }

    func decodeError(_ db: String) -> String? {
        do {
            _ = try decode(db)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testTypesAreDerivedAsTeleportDoes() throws {
        let cases: [(String, DatabaseType)] = [
            ("uri: mydb.abc123.us-east-1.rds.amazonaws.com:5432", .rds),
            ("uri: aurora.cluster-abc123.eu-west-2.rds.amazonaws.com:5432", .rds),
            ("uri: aurora.cluster-ro-abc123.eu-west-2.rds.amazonaws.com:5432", .rds),
            ("uri: px.proxy-abc123.us-west-1.rds.amazonaws.com:5432", .rdsProxy),
            ("uri: ep.endpoint.proxy-abc123.us-west-1.rds.amazonaws.com:5432", .rdsProxy),
            ("uri: wh.abc123.us-east-2.redshift.amazonaws.com:5439", .redshift),
            ("uri: wg.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439", .redshiftServerless),
            ("uri: abc123def.dsql.us-east-1.on.aws:5432", .dsql),
            ("uri: 10.0.0.1:5432\naws: {region: us-east-1}", .rds),
            ("uri: 10.0.0.1:5432\naws: {redshift: {cluster_id: wh}}", .redshift),
            ("uri: 10.0.0.1:5432\naws: {rds_proxy: {name: px}}", .rdsProxy),
            ("uri: 10.0.0.1:5432\naws: {redshift_serverless: {workgroup_name: wg}}", .redshiftServerless),
        ]
        for (uri, type) in cases {
            guard let db = try? decode("- name: x\n  protocol: postgres\n  " + uri.replacingOccurrences(of: "\n", with: "\n  ")) else {
                XCTFail("does not decode: \(uri)")
                continue
            }
            XCTAssertEqual(db.type, type, uri)
            XCTAssertEqual(db.auth, .iam, "AWS databases sign in with IAM by default: \(uri)")
        }
        let redis: [(String, DatabaseType)] = [
            ("uri: master.cart.xkqwje.euw2.cache.amazonaws.com:6379", .elastiCache),
            ("uri: clustercfg.cart.xkqwje.euw2.cache.amazonaws.com:6379", .elastiCache),
            ("uri: cart.xkqwje.ng.0001.eu-west-2.cache.amazonaws.com:6379", .elastiCache),
            ("uri: sessions-xkqwje.serverless.use1.cache.amazonaws.com:6379", .elastiCacheServerless),
            ("uri: clustercfg.mem.xkqwje.memorydb.us-east-1.amazonaws.com:6379", .memoryDB),
            ("uri: 127.0.0.1:6379\naws: {memorydb: {cluster_name: mem}}", .memoryDB),
        ]
        for (uri, type) in redis {
            guard let db = try? decode("- name: x\n  protocol: redis\n  " + uri.replacingOccurrences(of: "\n", with: "\n  ")) else {
                XCTFail("does not decode: \(uri)")
                continue
            }
            XCTAssertEqual(db.type, type, uri)
        }
    }

    func testAWSFieldsAreFilledFromTheEndpointButConfigWins() throws {
        let db = try decode("""
        - name: x
          protocol: postgres
          uri: aurora.cluster-abc123.eu-west-2.rds.amazonaws.com:5432
          aws: {account_id: '123456789012', assume_role_arn: 'arn:aws:iam::123456789012:role/db', external_id: ext}
        """)
        XCTAssertEqual(db.aws.region, "eu-west-2")
        XCTAssertEqual(db.aws.rds.clusterID, "aurora")
        XCTAssertEqual(db.aws.accountID, "123456789012")
        XCTAssertEqual(db.aws.externalID, "ext")
        let pinned = try decode("""
        - name: x
          protocol: redis
          uri: master.cart.xkqwje.euw2.cache.amazonaws.com:6379
          aws: {region: eu-west-2, elasticache: {replication_group_id: other}}
        """)
        XCTAssertEqual(pinned.aws.elastiCache.replicationGroupID, "other")
        XCTAssertEqual(pinned.aws.region, "eu-west-2")
    }

    func testSelfHostedNeedsAuthAndSecretsAreNeverInline() {
        XCTAssertEqual(decodeError("- name: x\n  protocol: postgres\n  uri: 127.0.0.1:5432"),
                       "c.yaml:2: databases[0].auth is required for a self-hosted database (password or managed)")
        XCTAssertEqual(decodeError("- name: x\n  protocol: postgres\n  uri: 127.0.0.1:5432\n  auth: password\n  password: hunter2"),
                       "c.yaml:2: databases[0].password: inline secrets are not accepted; use password_file or password_env")
        XCTAssertEqual(decodeError("- name: x\n  protocol: postgres\n  uri: 127.0.0.1:5432\n  auth: password"),
                       "c.yaml:2: databases[0]: auth: password needs exactly one of password_file or password_env")
        XCTAssertEqual(decodeError("- name: x\n  protocol: postgres\n  uri: 127.0.0.1:5432\n  auth: iam"),
                       "c.yaml:2: databases[0]: auth: iam needs an AWS database (an aws block or an AWS endpoint uri)")
        XCTAssertEqual(decodeError("- name: x\n  protocol: postgres\n  uri: u:hunter2@127.0.0.1:5432\n  auth: managed"),
                       "c.yaml:4: databases[0].uri must not carry credentials; use auth and password_file")
        XCTAssertEqual(decodeError("- name: x\n  protocol: postgres\n  uri: 127.0.0.1:5432\n  auth: managed"),
                       "c.yaml:2: databases[0]: auth: managed is for redis databases")
    }

    func testPasswordSourcesAndTLS() throws {
        let db = try decode("""
        - name: x
          protocol: redis
          uri: 127.0.0.1:6380
          auth: password
          password_env: REDIS_PW
          tls: {mode: verify-ca, ca_cert_file: ca.pem, server_name: localhost}
        """)
        XCTAssertEqual(db.auth, .password(.environment("REDIS_PW")))
        XCTAssertEqual(db.tls, DatabaseTLS(mode: .verifyCA, caCertFile: "/cfg/ca.pem", serverName: "localhost"))
        XCTAssertEqual(decodeError("- name: x\n  protocol: redis\n  uri: 127.0.0.1:6380\n  auth: managed\n  tls: {mode: plain}"),
                       "c.yaml:6: databases[0].tls.mode must be verify-full, verify-ca or insecure (got \"plain\")")
    }

    func testBadProtocolURIAndLabelKey() {
        XCTAssertEqual(decodeError("- name: x\n  protocol: mysql\n  uri: 127.0.0.1:3306"),
                       "c.yaml:3: databases[0].protocol must be postgres or redis, not \"mysql\"")
        XCTAssertEqual(decodeError("- name: x\n  protocol: postgres\n  uri: localhost"),
                       "c.yaml:4: databases[0].uri must be host:port (got \"localhost\")")
        XCTAssertEqual(decodeError("- name: x\n  protocol: redis\n  uri: h:1\n  auth: managed\n  static_labels: {'bad key': v}"),
                       "c.yaml:6: databases[0].static_labels: invalid label key \"bad key\"")
        XCTAssertEqual(decodeError("- name: x\n  protocol: redis\n  uri: h:1\n  auth: managed\n  aws: {regoin: x}"),
                       "c.yaml:6: unknown key \"regoin\" in databases[0].aws")
    }

    func testEndpointParsing() {
        XCTAssertEqual(Endpoint(uri: "db.example.com:5432"), Endpoint(host: "db.example.com", port: 5432))
        XCTAssertEqual(Endpoint(uri: "postgres://db:6432/app?sslmode=x"), Endpoint(host: "db", port: 6432))
        XCTAssertEqual(Endpoint(uri: "rediss://[::1]:6380"), Endpoint(host: "::1", port: 6380))
        XCTAssertNil(Endpoint(uri: "db:99999"))
        XCTAssertNil(Endpoint(uri: ":5432"))
    }
}

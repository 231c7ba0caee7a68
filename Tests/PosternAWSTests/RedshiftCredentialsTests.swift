import Foundation
import PosternCore
import XCTest

@testable import PosternAWS

/// Redshift sign-in: `GetClusterCredentials` against the shared moto_server; the IAM-role paths
/// (`GetClusterCredentialsWithIAM`, Redshift Serverless `GetCredentials`) against a loopback
/// stub written here, because moto implements neither (it answers them with an HTML 500). STS
/// is moto's in every case, so the role chain is real.
final class RedshiftCredentialsTests: XCTestCase {
    let testing = StaticCredentialsProvider(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"))

    func session(_ environment: [String: String], _ transport: any AWSTransport) -> RedshiftAuth.Session {
        let chain = AWSSessionChain(base: testing, baseRegion: "us-east-1", environment: environment, transport: transport)
        return RedshiftAuth.Session(chain: chain, environment: environment, transport: transport)
    }

    func redshiftDatabase(cluster: String, accountID: String = "123456789012") -> Database {
        var db = Database(name: "warehouse", protocol: .postgres, uri: "\(cluster).x.us-east-1.redshift.amazonaws.com:5439")
        db.aws.region = "us-east-1"
        db.aws.accountID = accountID
        db.aws.redshift.clusterID = cluster
        return db
    }

    func form(_ request: SigV4Request) -> [String: String] {
        var out: [String: String] = [:]
        for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            out[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return out
    }

    func testGetClusterCredentialsAgainstMoto() async throws {
        let env = try AWSTestEnvironment.load()
        let environment = ["AWS_ENDPOINT_URL": env.motoURL, "AWS_EC2_METADATA_DISABLED": "true"]
        try await AWSHTTPTransport.with { http in
            let transport = TappingTransport(http)
            let cluster = "rs-\(UUID().uuidString.lowercased().prefix(8))"
            _ = try await AWSServiceClient(
                service: .redshift, region: env.region, environment: environment, credentials: testing, transport: transport
            ).query(action: "CreateCluster", version: RedshiftAPI.version, parameters: [
                AWSQueryItem("ClusterIdentifier", cluster), AWSQueryItem("NodeType", "dc2.large"),
                AWSQueryItem("MasterUsername", "admin1"), AWSQueryItem("MasterUserPassword", "NotASecret1"),
            ])
            let started = Date()
            let credentials = try await RedshiftAuth.credentials(
                for: redshiftDatabase(cluster: cluster), dbUser: "alice", dbName: "dev",
                session: session(environment, transport))
            XCTAssertEqual(credentials.user, "IAM:alice")
            XCTAssertFalse(credentials.password.isEmpty)
            let expiration = try XCTUnwrap(credentials.expiration)
            XCTAssertEqual(expiration.timeIntervalSince(started), 900, accuracy: 120)
            XCTAssertFalse("\(credentials)".contains(credentials.password))
            XCTAssertFalse(String(reflecting: credentials).contains(credentials.password))

            let sent = try XCTUnwrap(transport.sent.last)
            XCTAssertEqual(form(sent), [
                "Action": "GetClusterCredentials", "Version": "2012-12-01", "ClusterIdentifier": cluster,
                "DbUser": "alice", "DbName": "dev", "AutoCreate": "false", "DurationSeconds": "900",
            ])
            XCTAssertEqual(sent.signingAccessKey, "testing", "a plain database user signs with the base credentials")

            // A missing cluster is AWS's error, named.
            do {
                _ = try await RedshiftAuth.credentials(
                    for: redshiftDatabase(cluster: cluster + "-gone"), dbUser: "alice", dbName: "dev",
                    session: session(environment, transport))
                XCTFail("expected ClusterNotFound")
            } catch let error as AWSServiceError {
                XCTAssertEqual(error.code, "ClusterNotFound")
                XCTAssertEqual(error.action, "GetClusterCredentials")
            }
        }
    }

    /// Answers Redshift and Redshift Serverless the way AWS documents them.
    static func stub(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        if request.header("x-amz-target") == "RedshiftServerless.GetCredentials" {
            return LoopbackHTTPResponse(
                status: 200,
                body: #"{"dbUser":"IAMR:analyst","dbPassword":"stub-pass-2","expiration":1767323045,"nextRefreshTime":1767322145}"#,
                headers: [AWSHeader("Content-Type", "application/x-amz-json-1.1")])
        }
        if request.form["Action"] == "GetClusterCredentialsWithIAM" {
            return LoopbackHTTPResponse(status: 200, body: """
                <GetClusterCredentialsWithIAMResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/">\
                <GetClusterCredentialsWithIAMResult><DbUser>IAMR:analyst</DbUser><DbPassword>stub-pass-1</DbPassword>\
                <Expiration>2026-01-02T03:19:05Z</Expiration><NextRefreshTime>2026-01-02T03:04:05Z</NextRefreshTime>\
                </GetClusterCredentialsWithIAMResult></GetClusterCredentialsWithIAMResponse>
                """)
        }
        return LoopbackHTTPResponse(status: 400, body: "<ErrorResponse><Error><Code>Unexpected</Code></Error></ErrorResponse>")
    }

    func testIAMRoleUserAssumesTheChainThenGetClusterCredentialsWithIAM() async throws {
        let env = try AWSTestEnvironment.load()
        let server = try await LoopbackHTTPServer.start(Self.stub)
        defer { Task { try? await server.stop() } }
        let environment = [
            "AWS_ENDPOINT_URL_STS": env.motoURL, "AWS_ENDPOINT_URL_REDSHIFT": server.url,
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        try await AWSHTTPTransport.with { http in
            let transport = TappingTransport(http)
            var db = redshiftDatabase(cluster: "warehouse-1", accountID: "")
            db.aws.assumeRoleARN = "arn:aws:iam::123456789012:role/postern-hop-\(UUID().uuidString.prefix(6))"
            db.aws.externalID = "ext-7"
            let credentials = try await RedshiftAuth.credentials(
                for: db, dbUser: "role/analyst", dbName: "dev", session: session(environment, transport))
            XCTAssertEqual(credentials.user, "IAMR:analyst")
            XCTAssertEqual(credentials.password, "stub-pass-1")
            XCTAssertEqual(credentials.expiration, AWSXML.parseDate("2026-01-02T03:19:05Z"))

            // The database's assume_role_arn (with its external id) first, then the user's role,
            // whose account comes from the first role's ARN.
            let assumed = transport.sent.filter { $0.formAction == "AssumeRole" }.map(form)
            XCTAssertEqual(assumed.map { $0["RoleArn"] }, [db.aws.assumeRoleARN, "arn:aws:iam::123456789012:role/analyst"])
            XCTAssertEqual(assumed.map { $0["ExternalId"] }, ["ext-7", nil])
            let call = try XCTUnwrap(server.requests.last)
            XCTAssertEqual(call.form, [
                "Action": "GetClusterCredentialsWithIAM", "Version": "2012-12-01", "ClusterIdentifier": "warehouse-1",
                "DbName": "dev", "DurationSeconds": "900",
            ])
            XCTAssertNotEqual(call.signingAccessKey, "testing", "signed with the assumed role")
            XCTAssertNotNil(call.header("x-amz-security-token"))
        }
    }

    func testRedshiftServerlessAssumesTheUsersRoleThenGetCredentials() async throws {
        let env = try AWSTestEnvironment.load()
        let server = try await LoopbackHTTPServer.start(Self.stub)
        defer { Task { try? await server.stop() } }
        let environment = [
            "AWS_ENDPOINT_URL_STS": env.motoURL, "AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS": server.url,
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        try await AWSHTTPTransport.with { http in
            let transport = TappingTransport(http)
            var db = Database(name: "serverless", protocol: .postgres,
                              uri: "wg.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439")
            db.aws.region = "us-east-1"
            db.aws.redshiftServerless.workgroupName = "wg"
            XCTAssertEqual(db.type, .redshiftServerless)
            let credentials = try await RedshiftAuth.credentials(
                for: db, dbUser: "analyst", dbName: "dev", session: session(environment, transport))
            XCTAssertEqual(credentials.user, "IAMR:analyst")
            XCTAssertEqual(credentials.expiration, Date(timeIntervalSince1970: 1_767_323_045))
            // No account in the database: GetCallerIdentity names it, then the role is assumed.
            XCTAssertEqual(transport.sent.compactMap(\.formAction), ["GetCallerIdentity", "AssumeRole"])
            XCTAssertEqual(form(transport.sent[1])["RoleArn"], "arn:aws:iam::123456789012:role/analyst")
            let call = try XCTUnwrap(server.requests.last)
            XCTAssertEqual(call.header("content-type"), "application/x-amz-json-1.1")
            struct Body: Decodable, Equatable {
                var workgroupName: String
                var dbName: String?
                var durationSeconds: Int
            }
            XCTAssertEqual(try JSONDecoder().decode(Body.self, from: Data(call.body)),
                           Body(workgroupName: "wg", dbName: "dev", durationSeconds: 900))
            XCTAssertNotEqual(call.signingAccessKey, "testing")

            do {
                _ = try await RedshiftAuth.credentials(
                    for: db, dbUser: "IAMR:analyst", dbName: "dev", session: session(environment, transport))
                XCTFail("in-database IAM names are refused")
            } catch let error as RedshiftAuth.Failure {
                XCTAssertTrue(error.message.contains("expecting the name or ARN of an AWS IAM role"), error.message)
            }
        }
    }

    func testRoleNamesAsTeleportBuildsThem() throws {
        XCTAssertTrue(RedshiftAuth.namesRole("role/analyst"))
        XCTAssertTrue(RedshiftAuth.namesRole("arn:aws:iam::123456789012:role/analyst"))
        XCTAssertFalse(RedshiftAuth.namesRole("analyst"))
        XCTAssertFalse(RedshiftAuth.namesRole("IAM:analyst"))
        XCTAssertFalse(RedshiftAuth.namesRole("arn:aws:iam::123456789012:user/analyst"))
        XCTAssertEqual(try RedshiftAuth.roleARN("role/analyst", region: "eu-west-2", accountID: "1"),
                       "arn:aws:iam::1:role/analyst")
        XCTAssertEqual(try RedshiftAuth.roleARN("analyst", region: "cn-north-1", accountID: "1"),
                       "arn:aws-cn:iam::1:role/analyst")
        XCTAssertEqual(try RedshiftAuth.roleARN("role/path/analyst", region: "us-gov-west-1", accountID: "1"),
                       "arn:aws-us-gov:iam::1:role/path/analyst")
        XCTAssertEqual(try RedshiftAuth.roleARN("arn:aws:iam::1:role/a", region: "us-east-1", accountID: ""),
                       "arn:aws:iam::1:role/a")
        let refused: [(String, String, String)] = [
            ("arn:aws:iam::2:role/a", "us-east-1", "not in the database's account 1"),
            ("arn:aws-cn:iam::1:role/a", "us-east-1", "not in partition aws"),
            ("arn:aws:iam::1:user/a", "us-east-1", "is not an IAM role ARN"),
            ("role/", "us-east-1", "is not an IAM role name"),
            ("a b", "us-east-1", "is not an IAM role name"),
        ]
        for (user, region, message) in refused {
            XCTAssertThrowsError(try RedshiftAuth.roleARN(user, region: region, accountID: "1")) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error) should say \(message)")
            }
        }
        XCTAssertThrowsError(try RedshiftAuth.roleARN("analyst", region: "us-east-1", accountID: "")) { error in
            XCTAssertTrue("\(error)".contains("set aws.account_id"), "\(error)")
        }
    }
}

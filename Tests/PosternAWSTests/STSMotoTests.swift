import Foundation
import PosternCore
import XCTest

@testable import PosternAWS

/// STS against the shared moto_server (lenient: it checks no signature), reached through
/// `AWS_ENDPOINT_URL_STS` as any SDK would.
final class STSMotoTests: XCTestCase {
    let keys = AWSCredentials(accessKeyId: "AKIDMOTOTEST", secretAccessKey: "moto/secret+key")

    func withMoto<T: Sendable>(_ body: (AWSTestEnvironment, [String: String], TappingTransport) async throws -> T)
        async throws -> T
    {
        let env = try AWSTestEnvironment.load()
        let environment = ["AWS_ENDPOINT_URL_STS": env.motoURL, "AWS_EC2_METADATA_DISABLED": "true"]
        return try await AWSHTTPTransport.with { http in
            try await body(env, environment, TappingTransport(http))
        }
    }

    func identity(_ credentials: AWSCredentials, _ env: AWSTestEnvironment, _ environment: [String: String],
                  _ transport: any AWSTransport) async throws -> AWSCallerIdentity {
        try await AWSSTS(
            region: env.region, environment: environment, credentials: StaticCredentialsProvider(credentials),
            transport: transport
        ).getCallerIdentity()
    }

    func testGetCallerIdentity() async throws {
        try await withMoto { env, environment, transport in
            let me = try await identity(keys, env, environment, transport)
            XCTAssertEqual(me.account, "123456789012")
            XCTAssertTrue(me.arn.hasPrefix("arn:aws:"), me.arn)
            XCTAssertEqual(transport.sent.first?.url, env.motoURL + "/")
        }
    }

    func testAssumeRoleWithExternalID() async throws {
        try await withMoto { env, environment, transport in
            let role = "arn:aws:iam::123456789012:role/postern-ext-\(UUID().uuidString.prefix(8))"
            let sts = try AWSSTS(
                region: env.region, environment: environment, credentials: StaticCredentialsProvider(keys),
                transport: transport)
            let assumed = try await sts.assumeRole(
                AWSAssumeRoleRequest(roleARN: role, sessionName: "ext-session", externalID: "ext-42", durationSeconds: 900))
            XCTAssertTrue(assumed.credentials.isTemporary)
            let expiration = try XCTUnwrap(assumed.credentials.expiration)
            XCTAssertEqual(expiration.timeIntervalSinceNow, 900, accuracy: 120)
            let body = String(decoding: try XCTUnwrap(transport.sent.last).body, as: UTF8.self)
            XCTAssertTrue(body.contains("ExternalId=ext-42"), body)
            let me = try await identity(assumed.credentials, env, environment, transport)
            XCTAssertTrue(me.arn.hasSuffix(":assumed-role/\(role.split(separator: "/").last ?? "")/ext-session"), me.arn)
        }
    }

    func testTwoHopChainForADatabase() async throws {
        try await withMoto { env, environment, transport in
            let tag = UUID().uuidString.prefix(8)
            var aws = DatabaseAWS()
            aws.region = env.region
            aws.assumeRoleARN = "arn:aws:iam::123456789012:role/postern-access-\(tag)"
            aws.externalID = "ext-\(tag)"
            let database = Database(name: "redshift-sls", protocol: .postgres, uri: "wg.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439", aws: aws)
            let dbUserRole = "arn:aws:iam::123456789012:role/postern-dbuser-\(tag)"
            let sessions = AWSSessionChain(
                base: StaticCredentialsProvider(keys), baseRegion: nil, environment: environment, transport: transport,
                sessionName: "alice")
            let chain = await sessions.roleChain(for: database, dbUserRoleARN: dbUserRole)
            XCTAssertEqual(chain.map(\.roleARN), [aws.assumeRoleARN, dbUserRole])
            XCTAssertEqual(chain.map(\.externalID), ["ext-\(tag)", nil])

            let provider = try await sessions.credentials(for: database, dbUserRoleARN: dbUserRole)
            let final = try await provider.credentials()
            let assumeCalls = transport.sent.filter { $0.formAction == "AssumeRole" }
            XCTAssertEqual(assumeCalls.count, 2)
            XCTAssertEqual(assumeCalls[0].signingAccessKey, keys.accessKeyId)
            let firstHopKey = try XCTUnwrap(assumeCalls[1].signingAccessKey)
            XCTAssertTrue(firstHopKey.hasPrefix("ASIA"), firstHopKey)
            XCTAssertTrue(String(decoding: assumeCalls[0].body, as: UTF8.self).contains("ExternalId=ext-\(tag)"))

            // Who made the second hop: the first role's session.
            let hopOne = try await sessions.credentials(for: database).credentials()
            XCTAssertEqual(hopOne.accessKeyId, firstHopKey)
            let caller = try await identity(hopOne, env, environment, transport)
            XCTAssertTrue(caller.arn.hasSuffix(":assumed-role/postern-access-\(tag)/alice"), caller.arn)
            let me = try await identity(final, env, environment, transport)
            XCTAssertTrue(me.arn.hasSuffix(":assumed-role/postern-dbuser-\(tag)/alice"), me.arn)

            // Providers are cached per path: no further AssumeRole.
            _ = try await sessions.credentials(for: database, dbUserRoleARN: dbUserRole).credentials()
            XCTAssertEqual(transport.sent.filter { $0.formAction == "AssumeRole" }.count, 2)
        }
    }

    func testWebIdentityThroughTheChain() async throws {
        try await withMoto { env, environment, transport in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("postern-wi-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let tokenFile = dir.appendingPathComponent("token").path
            try Data("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ.c2ln".utf8).write(to: URL(fileURLWithPath: tokenFile))
            let chain = AWSCredentialChain(
                environment: environment.merging([
                    "HOME": dir.path, "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
                    "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/postern-web", "AWS_ROLE_SESSION_NAME": "pod-7",
                    "AWS_REGION": env.region,
                ]) { $1 },
                transport: transport)
            let resolved = try await chain.resolve()
            XCTAssertEqual(resolved.source.provider, .webIdentity)
            XCTAssertNil(transport.sent.first?.header("Authorization"), "AssumeRoleWithWebIdentity is unsigned")
            let me = try await identity(resolved.credentials, env, environment, transport)
            XCTAssertTrue(me.arn.contains(":assumed-role/postern-web/pod-7"), me.arn)
        }
    }
}

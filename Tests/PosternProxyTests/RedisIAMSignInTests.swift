import Foundation
import NIOCore
import NIOPosix
import PosternAWS
import PosternCore
import PosternTestSupport
import XCTest
@testable import PosternProxy

/// The services' Redis 7 (TLS, ACL) for sign-in tests: an admin connection to create throwaway
/// ACL users, and databases pointing at the server.
final class RedisSignInFixture: @unchecked Sendable {
    let env: ServiceEnvironment
    let admin: ServiceEnvironment.RedisLogin
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let runID = String(UUID().uuidString.lowercased().prefix(8))
    private var users: [String] = []

    init() throws {
        env = try ServiceEnvironment.load()
        admin = try env.redis("ADMIN")
    }

    deinit { try? group.syncShutdownGracefully() }

    func database(name: String, auth: DatabaseAuth, aws: DatabaseAWS = DatabaseAWS()) -> Database {
        Database(name: name, protocol: .redis, uri: "\(admin.host):\(admin.tlsPort)", staticLabels: ["env": "test"],
                 aws: aws, tls: DatabaseTLS(mode: .verifyFull, caCertFile: admin.caFile), auth: auth)
    }

    /// A connection as the services' admin user.
    func adminClient() async throws -> RedisAdminClient {
        try await signIn(database(name: "admin", auth: .iam), user: admin.user, password: admin.password)
    }

    /// Creates (or redefines) an ACL user for this run; removed by `cleanUp`.
    func makeUser(_ base: String, rules: [String]) async throws -> String {
        let name = "\(base)_\(runID)"
        let client = try await adminClient()
        try await client.expectOK(["ACL", "SETUSER", name, "reset"] + rules)
        await client.close()
        users.append(name)
        return name
    }

    /// Signs in as `user` with `password` over TLS and returns the connection.
    func signIn(_ db: Database, user: String, password: String) async throws -> RedisAdminClient {
        try await RedisAdminClient.signIn(to: try UpstreamTarget.make(for: db, defaultPort: RedisEngine.defaultPort), on: group, user: user, password: password)
    }

    func cleanUp() async {
        guard !users.isEmpty, let client = try? await adminClient() else { return }
        _ = try? await client.send(["ACL", "DELUSER"] + users)
        await client.close()
    }
}

/// IAM sign-in against the real Redis: with a fixed signing time the expected ElastiCache token
/// is the ACL user's password; a token signed a minute later is refused, and the client's error
/// names the IAM policy to grant without holding any token.
final class RedisIAMSignInTests: XCTestCase {
    static let signingTime = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    static let awsKeys = AWSCredentials(accessKeyId: "AKIDREDISTEST", secretAccessKey: "redis-test-secret-key")

    func elastiCache(_ f: RedisSignInFixture, serverless: Bool = false) -> Database {
        var aws = DatabaseAWS()
        aws.region = "us-east-1"
        aws.accountID = "123456789012"
        if serverless { aws.elastiCacheServerless.cacheName = "sessions" } else { aws.elastiCache.replicationGroupID = "cart" }
        return f.database(name: serverless ? "sessions-serverless" : "cart", auth: .iam, aws: aws)
    }

    func testIAMTokenSignInEndToEndAndAWrongTokenIsRefusedWithThePolicy() async throws {
        let f = try RedisSignInFixture()
        let db = elastiCache(f)
        XCTAssertEqual(db.type, .elastiCache)
        let expected = try IAMAuthTokens.elastiCache(cacheName: "cart", userId: "iam_user_\(f.runID)", region: "us-east-1",
                                                     credentials: Self.awsKeys, date: Self.signingTime).value
        let user = try await f.makeUser("iam_user", rules: ["on", ">" + expected, "~*", "+@all"])
        let route = Route(user: PosternUser(name: "alice", roles: []), database: db, dbUser: user)

        let source = RedisIAMLogins(aws: StaticAWSCredentials(Self.awsKeys), now: { Self.signingTime })
        let login = try await source.login(for: route)
        XCTAssertEqual(login.user, user)
        XCTAssertEqual(login.password, expected)
        let session = try await f.signIn(db, user: login.user, password: login.password)
        let whoami = try await session.send(["ACL", "WHOAMI"])
        XCTAssertEqual(whoami.text, user)
        await session.close()

        // A minute later the token differs: the server refuses it.
        let late = try await RedisIAMLogins(aws: StaticAWSCredentials(Self.awsKeys), now: { Self.signingTime + 60 })
            .login(for: route)
        XCTAssertNotEqual(late.password, expected)
        do {
            _ = try await f.signIn(db, user: late.user, password: late.password)
            XCTFail("a wrong token was accepted")
        } catch RedisAdminError.refused(let text) {
            XCTAssertTrue(text.hasPrefix("WRONGPASS"), text)
            let hint = RedisSignInHints.iamRefused(route: route, serverText: text)
            XCTAssertTrue(hint.hasPrefix("WRONGPASS upstream ElastiCache refused the IAM token for user \(user)"), hint)
            XCTAssertTrue(hint.contains(#"{"Sid":"ElastiCacheConnect","Effect":"Allow","Action":"elasticache:Connect","#
                + #""Resource":["arn:aws:elasticache:us-east-1:123456789012:replicationgroup:cart","#
                + #""arn:aws:elasticache:us-east-1:123456789012:user:\#(user)"]}"#), hint)
            XCTAssertTrue(hint.contains("elasticache:DescribeUsers"), hint)
            XCTAssertFalse(hint.contains("\n") || hint.contains("\r"), "RESP errors are one line")
            for secret in [expected, late.password, "X-Amz-Signature"] {
                XCTAssertFalse(hint.contains(secret) || text.contains(secret), "a token leaked")
            }
        }
        await f.cleanUp()
    }

    func testServerlessAndMemoryDBTokensAreSignedForTheirResource() async throws {
        let f = try RedisSignInFixture()
        let route = { (db: Database) in Route(user: PosternUser(name: "alice", roles: []), database: db, dbUser: "") }
        let source = RedisIAMLogins(aws: StaticAWSCredentials(Self.awsKeys), now: { Self.signingTime })

        let serverless = try await source.login(for: route(elastiCache(f, serverless: true)))
        XCTAssertEqual(serverless.user, "default", "no db user means Redis's default, as tsh")
        XCTAssertEqual(serverless.password, try IAMAuthTokens.elastiCache(
            cacheName: "sessions", userId: "default", region: "us-east-1", serverless: true,
            credentials: Self.awsKeys, date: Self.signingTime).value)
        XCTAssertTrue(serverless.password.contains("ResourceType=ServerlessCache"))

        var aws = DatabaseAWS()
        aws.region = "eu-west-2"
        aws.memoryDB.clusterName = "mem"
        let memory = f.database(name: "mem", auth: .iam, aws: aws)
        let login = try await source.login(for: Route(user: PosternUser(name: "a", roles: []), database: memory, dbUser: "bob"))
        XCTAssertEqual(login.password, try IAMAuthTokens.memoryDB(clusterName: "mem", userId: "bob", region: "eu-west-2",
                                                                  credentials: Self.awsKeys, date: Self.signingTime).value)
        let hint = RedisSignInHints.iamRefused(route: Route(user: PosternUser(name: "a", roles: []), database: memory, dbUser: "bob"),
                                               serverText: "WRONGPASS invalid username-password pair or user is disabled.")
        XCTAssertTrue(hint.contains("memorydb:Connect") && hint.contains("arn:aws:memorydb:eu-west-2:aws-account-id:cluster/mem"), hint)

        // A self-hosted database has no IAM sign-in; no region is a clear error.
        let plain = f.database(name: "plain", auth: .iam)
        do {
            _ = try await source.login(for: route(plain))
            XCTFail("signed a token without a region")
        } catch let error as UpstreamCredentialError {
            XCTAssertEqual(error.description, "database \"plain\" needs aws.region for IAM sign-in")
        }
    }

    func testAConnectTimeoutSaysToEnableInTransitEncryption() async throws {
        // A listener that accepts and never answers the TLS handshake: what a cache without
        // in-transit encryption looks like from Postern.
        let f = try RedisSignInFixture()
        let silent = try await ServerBootstrap(group: f.group).bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        var db = elastiCache(f)
        db.uri = "127.0.0.1:\(silent.localAddress?.port ?? 0)"
        do {
            _ = try await RedisAdminClient.connect(to: try UpstreamTarget.make(for: db, defaultPort: RedisEngine.defaultPort), on: f.group, timeout: .milliseconds(500))
            XCTFail("a silent server was accepted")
        } catch RedisAdminError.timedOut {
            let hint = RedisSignInHints.connectTimedOut(database: db)
            XCTAssertTrue(hint.hasPrefix("ERR connection to cart (127.0.0.1:\(silent.localAddress?.port ?? 0)) timed out."), hint)
            XCTAssertTrue(hint.contains("in-transit encryption is enabled on the cluster"), hint)
        }
    }
}

/// The same IAM sign-in through the proxy: redis-cli gets the data with the right token; with a
/// token signed a minute late it gets the WRONGPASS hint naming the policy, and the session's
/// start is audited as failed (TDB00W) with that reason.
final class RedisIAMProxyTests: XCTestCase {
    func testTheProxySignsInWithTheTokenAndAWrongOneIsAHintAndAFailedStart() async throws {
        let f = try RedisSignInFixture()
        let h = try ProxyHarness()
        var aws = DatabaseAWS()
        aws.region = "us-east-1"
        aws.accountID = "123456789012"
        aws.elastiCache.replicationGroupID = "cart"
        let db = f.database(name: "cart", auth: .iam, aws: aws)
        let expected = try IAMAuthTokens.elastiCache(cacheName: "cart", userId: "iam_proxy_\(f.runID)", region: "us-east-1",
                                                     credentials: RedisIAMSignInTests.awsKeys,
                                                     date: RedisIAMSignInTests.signingTime).value
        let user = try await f.makeUser("iam_proxy", rules: ["on", ">" + expected, "~*", "+@all"])
        let route = Route(user: h.user, database: db, dbUser: user)

        var servers: [ProxyServer] = []
        func tunnel(signedAt time: Date) async throws -> ProxyHarness.Tunnel {
            let logins = RedisIAMLogins(aws: StaticAWSCredentials(RedisIAMSignInTests.awsKeys), now: { time })
            let server = ProxyServer(group: h.group, services: h.services, registry: EngineRegistry([RedisEngine(logins: logins)]))
            servers.append(server)
            let secret = "test-" + UUID().uuidString
            let context = ProxySessionContext(route: route, clientAuthentication: .password(secret),
                                              authorizer: AccessCheckerAuthorizer(try AccessChecker(user: h.user, roles: h.roles)),
                                              services: h.services)
            let listener = try await server.listenTCP(port: 0, context: context)
            return ProxyHarness.Tunnel(port: try XCTUnwrap(listener.port), password: secret, route: route)
        }

        let good = try await tunnel(signedAt: RedisIAMSignInTests.signingTime)
        let whoami = try h.redisCLI(good, ["ACL", "WHOAMI"])
        XCTAssertEqual(whoami.stdout, user + "\n", whoami.combined)

        let late = try await tunnel(signedAt: RedisIAMSignInTests.signingTime + 60)
        let refused = try h.redisCLI(late, ["PING"])
        XCTAssertTrue(refused.stdout.hasPrefix("WRONGPASS upstream ElastiCache refused the IAM token for user \(user)"),
                      refused.combined)
        XCTAssertTrue(refused.stdout.contains("arn:aws:elasticache:us-east-1:123456789012:replicationgroup:cart"), refused.combined)
        XCTAssertFalse(refused.combined.contains("X-Amz-Signature") || refused.combined.contains(expected))

        XCTAssertTrue(h.waitForFinishedSessions(2))
        let starts = h.sink.sessions().flatMap { h.sink.events(session: $0.id) }.compactMap { event -> String?? in
            if case .start(let error) = event.kind { return .some(error) } else { return nil }
        }
        XCTAssertEqual(starts.count, 2)
        XCTAssertTrue(starts.contains { $0 == nil }, "the good session started")
        let failure = try XCTUnwrap(starts.compactMap { $0 }.first)
        XCTAssertTrue(failure.hasPrefix("WRONGPASS upstream ElastiCache refused the IAM token"), failure)
        XCTAssertFalse(failure.contains("X-Amz-Signature"), "no token in the audit")
        // The mapping to Teleport's code for a failed start.
        let session = try XCTUnwrap(h.sink.sessions().first { s in
            h.sink.events(session: s.id).contains { if case .start(let e) = $0.kind { return e != nil } else { return false } }
        })
        let failedStart = try XCTUnwrap(h.sink.events(session: session.id).first)
        XCTAssertEqual(AuditSessionSink.auditEvent(failedStart, of: session).code, "TDB00W")
        for server in servers { await server.shutdown() }
        await f.cleanUp()
    }
}

import Foundation
import PosternTestSupport
import PosternAWS
import PosternCore
import XCTest
@testable import PosternProxy

/// `require_auth`: the upstream server may only use the sign-in methods a database allows (SCRAM
/// for a password, cleartext for an IAM token, by default); anything else is refused with 28000
/// before a credential is sent, and a SCRAM sign-in counts only once the server proved itself.
final class UpstreamAuthPolicyTests: XCTestCase {
    static let passwordVariable = "PROXY_TEST_POLICY_PASSWORD"

    private func md5Harness() throws -> (ProxyHarness, ServiceEnvironment.PostgresLogin) {
        let env = try ServiceEnvironment.load()
        let md5 = try env.postgres("MD5USER")
        return (try ProxyHarness(credentials: DatabaseSignIn(environment: [Self.passwordVariable: md5.password])), md5)
    }

    // MARK: - The real server

    func testThePasswordDefaultRefusesTheRealServersMD5Request() async throws {
        let (h, md5) = try md5Harness()
        let db = try h.database(name: "orders-md5", auth: .password(.environment(Self.passwordVariable)))
        let t = try await h.tunnel(db, dbUser: md5.user, dbName: md5.database)
        let client = try RawPGClient(port: t.port)
        guard case .error(let refused) = try client.startup(user: md5.user, database: md5.database, password: t.password)
        else { return XCTFail("an MD5 sign-in went ahead on a SCRAM-only database") }
        let message = "the upstream server asked for md5 sign-in, which database \"orders-md5\" does not allow "
            + "(require_auth: scram-sha-256); no credentials were sent"
        XCTAssertEqual(refused.fields["C"], "28000")
        XCTAssertEqual(refused.fields["M"], message)
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
        XCTAssertEqual(h.sink.all.map(\.1.kind), [.start(error: message)])
    }

    func testRequireAuthMD5LetsMD5InAndRefusesSCRAM() async throws {
        let (h, md5) = try md5Harness()
        var db = try h.database(name: "orders-md5", auth: .password(.environment(Self.passwordVariable)))
        db.requireAuth = [.md5]
        let r = try h.psql(try await h.tunnel(db, dbUser: md5.user, dbName: md5.database), ["-c", "select current_user"])
        XCTAssertEqual(r.stdout, "\(md5.user)\n", r.combined)

        var scramOnly = try h.database(name: "orders-admin")
        scramOnly.requireAuth = [.md5, .password]
        let refused = try h.psql(try await h.tunnel(scramOnly, dbUser: h.admin.user, dbName: h.admin.database), ["-c", "select 1"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("the upstream server asked for scram-sha-256 sign-in, which database \"orders-admin\" "
                                              + "does not allow (require_auth: md5, password)"), refused.combined)
        XCTAssertTrue(h.waitForFinishedSessions(2))
        await h.shutdown()
    }

    // MARK: - An impostor (a loopback stub: a real server never does these)

    private func stub(_ script: StubPGServer.Script, _ h: ProxyHarness) async throws -> StubPGServer {
        try await StubPGServer(script, certificate: try h.env.string("POSTERN_TEST_SERVER_CERT"),
                               key: try h.env.string("POSTERN_TEST_SERVER_KEY"))
    }

    /// A database at `server` (the proxy keeps one upstream target per database name).
    private func stubDatabase(_ h: ProxyHarness, _ server: StubPGServer, name: String = "stub", auth: DatabaseAuth? = nil,
                              aws: DatabaseAWS = DatabaseAWS()) throws -> Database {
        try h.database(name: name, auth: auth ?? .password(.environment(Self.passwordVariable)),
                       tls: DatabaseTLS(mode: .verifyFull, caCertFile: h.admin.caFile, serverName: "localhost"),
                       uri: "127.0.0.1:\(server.port)", aws: aws)
    }

    /// Signs in through a tunnel to `db`; the client's outcome.
    private func signIn(_ h: ProxyHarness, _ db: Database) async throws -> RawPGClient.Outcome {
        let t = try await h.tunnel(db, dbUser: "stub_user", dbName: "stub_db")
        return try RawPGClient(port: t.port).startup(user: "stub_user", database: "stub_db", password: t.password)
    }

    private func passwordHarness() throws -> ProxyHarness {
        try ProxyHarness(credentials: DatabaseSignIn(environment: [Self.passwordVariable: "stub-secret-password"]))
    }

    func testAuthenticationOkBeforeTheSCRAMFinalMessageIsRefused() async throws {
        let h = try passwordHarness()
        let server = try await stub(.scramOkBeforeFinal, h)
        guard case .error(let refused) = try await signIn(h, try stubDatabase(h, server)) else {
            return XCTFail("a server that never proved it knows the password was accepted")
        }
        XCTAssertEqual(refused.fields["C"], "28000")
        XCTAssertEqual(refused.fields["M"], "the upstream server ended SCRAM-SHA-256 sign-in without proving it knows the password "
                                            + "(no verified server signature)")
        XCTAssertEqual(server.received.map(\.type), [UInt8(ascii: "p"), UInt8(ascii: "p")], "client-first and client-final only")
        await h.shutdown()
        try await server.close()
    }

    func testASCRAMFinalMessageBeforeTheExchangeIsRefused() async throws {
        let h = try passwordHarness()
        let server = try await stub(.scramFinalBeforeContinue, h)
        guard case .error(let refused) = try await signIn(h, try stubDatabase(h, server)) else {
            return XCTFail("a signature made without the password was accepted")
        }
        XCTAssertEqual(refused.fields["C"], "08P01")
        XCTAssertEqual(server.received.count, 1, "only the client-first message")
        await h.shutdown()
        try await server.close()
    }

    func testCleartextAskedOfAPasswordDatabaseIsRefusedAndNothingIsSent() async throws {
        let h = try passwordHarness()
        let server = try await stub(.askCleartext, h)
        guard case .error(let refused) = try await signIn(h, try stubDatabase(h, server)) else {
            return XCTFail("the password went in cleartext to a SCRAM-only database")
        }
        XCTAssertEqual(refused.fields["C"], "28000")
        XCTAssertEqual(refused.fields["M"], "the upstream server asked for password sign-in, which database \"stub\" does not "
                                            + "allow (require_auth: scram-sha-256); no credentials were sent")
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
        XCTAssertTrue(server.received.isEmpty, "the stub got \(server.received.map(\.type))")
        try await server.close()
    }

    func testNoSignInAtAllIsRefusedUnlessNoneIsAllowed() async throws {
        let h = try passwordHarness()
        let server = try await stub(.askNothing, h)
        var db = try stubDatabase(h, server)
        guard case .error(let refused) = try await signIn(h, db) else { return XCTFail("trust was accepted") }
        XCTAssertEqual(refused.fields["C"], "28000")
        XCTAssertTrue(refused.fields["M"]?.contains("asked for no sign-in at all (none)") ?? false, "\(refused.fields)")
        db.requireAuth = [.scramSHA256, .trust]
        guard case .ready = try await signIn(h, db) else { return XCTFail("require_auth: none was not honoured") }
        await h.shutdown()
        try await server.close()
    }

    /// RDS IAM: the token goes as a cleartext password (inside TLS), and nothing weaker than asked.
    func testAnIAMDatabaseSendsItsTokenInCleartextAndRefusesMD5() async throws {
        let keys = AWSCredentials(accessKeyId: "AKIDPOLICYTEST", secretAccessKey: "policy-test-secret-key")
        let h = try ProxyHarness(credentials: DatabaseSignIn(aws: StaticAWSCredentials(keys), environment: [:]))
        var aws = DatabaseAWS()
        aws.region = "us-east-1"
        let cleartext = try await stub(.askCleartext, h)
        let iam = try stubDatabase(h, cleartext, auth: .iam, aws: aws)
        XCTAssertEqual(iam.type, .rds)
        guard case .ready = try await signIn(h, iam) else { return XCTFail("the IAM sign-in failed") }
        let sent = try XCTUnwrap(cleartext.received.first)
        XCTAssertEqual(sent.type, UInt8(ascii: "p"))
        XCTAssertTrue(String(decoding: sent.body, as: UTF8.self).hasPrefix("127.0.0.1:\(cleartext.port)/?Action=connect"),
                      "the token went as the password")

        let md5 = try await stub(.askMD5, h)
        guard case .error(let refused) = try await signIn(h, try stubDatabase(h, md5, name: "stub-md5", auth: .iam, aws: aws)) else {
            return XCTFail("an IAM token went as MD5")
        }
        XCTAssertEqual(refused.fields["C"], "28000")
        XCTAssertTrue(refused.fields["M"]?.contains("asked for md5 sign-in, which database \"stub-md5\" does not allow (require_auth: password)")
                          ?? false, "\(refused.fields)")
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
        XCTAssertTrue(md5.received.isEmpty)
        try await cleartext.close()
        try await md5.close()
    }
}

import Foundation
import PosternAudit
import PosternAWS
import PosternCore
import PosternProxy
import PosternService
import PosternTestSupport
import XCTest

/// `auth: iam` to the shared store (Aurora PostgreSQL): the shipper's connection signs in with an
/// RDS IAM token minted for it. The local server stands in for RDS with the token as the role's SCRAM
/// password (as UpstreamSignInTests does); `server_name` names the certificate while the address is dialled.
final class SharedAuditIAMTests: XCTestCase {
    func testTheSharedStoreSignsInWithAnIAMToken() async throws {
        let env = try ServiceEnvironment.load()
        let host = try env.string("POSTERN_TEST_PG_HOST")
        let port = Int(try env.string("POSTERN_TEST_PG_PORT")) ?? 0
        let admin = try env.postgres("ADMIN")
        let role = "shipper_iam_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8)
        let database = "postern_shared_iam_" + role.suffix(8)
        let signedAt = Date(timeIntervalSince1970: 1_767_225_600)
        let keys = AWSCredentials(accessKeyId: "AKIDSHAREDTEST", secretAccessKey: "shared-test-secret-key")
        let token = try IAMAuthTokens.rds(host: host, port: port, dbUser: role, region: "us-east-1", credentials: keys, date: signedAt).value
        func psql(_ sql: String) throws -> SubprocessResult {
            try Subprocess.run("psql", ["host=\(host) port=\(port) dbname=\(admin.database) user=\(admin.user) sslmode=verify-full "
                                        + "sslrootcert=\(try env.string("POSTERN_TEST_PG_CA"))", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                               environment: ["PGPASSWORD": admin.password])
        }
        XCTAssertEqual(try psql("create role \(role) login password '\(token)'").status, 0)
        XCTAssertEqual(try psql("create database \(database) owner \(role)").status, 0)
        defer {
            _ = try? psql("drop database if exists \(database) with (force)")
            _ = try? psql("drop role if exists \(role)")
        }

        var server = Database(name: "shared audit store", protocol: .postgres, uri: "\(host):\(port)",
                              tls: DatabaseTLS(mode: .verifyFull, caCertFile: try env.string("POSTERN_TEST_PG_CA"), serverName: "localhost"),
                              auth: .iam)
        server.aws.region = "us-east-1"
        XCTAssertEqual(server.type, .rds)
        let signIn = DatabaseSignIn(aws: StaticAWSCredentials(keys), environment: [:], now: { signedAt })
        let access = SharedAuditAccess(config: SharedAuditConfig(server: server, databaseName: database, user: role),
                                       host: "bastion-iam", signIn: signIn)
        let spec = try await access.spec()
        XCTAssertEqual(spec.host, "localhost", "the certificate's name")
        XCTAssertEqual(spec.hostAddress, host, "the address dialled")
        try SharedAuditStoreAdmin.initialise(spec)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shared-iam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try AuditStore(backend: .sqlite, path: dir.appendingPathComponent("audit.sqlite").path)
        defer { try? store.close() }
        var s = AuditSessionEvents(clusterName: "iam", user: "alice",
                                   database: AuditDatabase(service: "pg", protocol: "postgres", uri: "127.0.0.1:1", name: "app", user: "app"))
        try store.recordNow([s.make(.query(.init(query: "select 'over iam'")))])
        let shipper = try XCTUnwrap(AuditShipper(store: store, host: access.host, spec: { try access.blockingSpec() },
                                                 logger: .init(label: "test")))
        shipper.start()
        let deadline = Date().addingTimeInterval(20)
        while shipper.status().shippedEvents < 1, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertNil(shipper.status().lastError)
        shipper.stop()
        let shipped = try SharedAuditReader(try await access.spec()).search(AuditSearch(limit: 10))
        XCTAssertEqual(shipped.map(\.host), ["bastion-iam"])

        // A token minted a minute later is another password: refused, and the error holds no token.
        let late = SharedAuditAccess(config: access.config, host: "bastion-iam",
                                     signIn: DatabaseSignIn(aws: StaticAWSCredentials(keys), environment: [:], now: { signedAt.addingTimeInterval(60) }))
        let lateSpec = try await late.spec()
        XCTAssertThrowsError(try SharedAuditReader(lateSpec)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("password authentication failed"), text)
            XCTAssertFalse(text.contains("X-Amz-Signature") || text.contains(token), "a token leaked: \(text)")
        }
    }
}

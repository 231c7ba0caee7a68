import Foundation
import NIOConcurrencyHelpers
import PosternAWS
import PosternCore
import XCTest
@testable import PosternProxy

/// Managed users against the real Redis and Secrets Manager (moto): rotation while a session
/// signed in with the old password keeps working, new sessions sign in with the new password read
/// back from Secrets Manager, and a failed store leaves the old password in force.
final class RedisManagedRotationTests: XCTestCase {
    static let adminEnv = "POSTERN_TEST_REDIS_ADMIN_PASSWORD"

    struct Managed {
        let fixture: RedisSignInFixture
        let db: Database
        let user: String
        let api: SecretsManagerAPI
        let store: SecretsManagerPasswordStore
        let admin: RedisAdminConnector
        var secretName: String { ManagedSecretName.name(database: db, user: user) }
    }

    func withManaged(interval: Duration = .seconds(900), _ body: (Managed) async throws -> Void) async throws {
        let f = try RedisSignInFixture()
        let user = try await f.makeUser("managed", rules: ["on", "~*", "&*", "+@all"])
        var db = f.database(name: "sessions-\(f.runID)", auth: .managed)
        db.redis.managedUsers = RedisManagedUsers(users: [user], rotationInterval: interval, adminUser: f.admin.user,
                                                  adminPassword: .environment(Self.adminEnv))
        db.aws.secretStore.keyPrefix = "postern-test/"
        db.aws.secretStore.kmsKeyID = "alias/postern-test"
        let region = try XCTUnwrap(SecretsManagerPasswordStore.region(for: db, environment: ["AWS_REGION": try f.env.string("POSTERN_TEST_AWS_REGION")]))
        try await AWSHTTPTransport.with { transport in
            let client = try AWSServiceClient(
                service: .secretsManager, region: region,
                environment: ["AWS_ENDPOINT_URL": try f.env.motoURL().absoluteString, "AWS_EC2_METADATA_DISABLED": "true"],
                credentials: StaticCredentialsProvider(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")),
                transport: transport)
            let api = SecretsManagerAPI(client: client)
            let admin = RedisAdminConnector(group: f.group, environment: [Self.adminEnv: f.admin.password])
            try await body(Managed(fixture: f, db: db, user: user, api: api, store: SecretsManagerPasswordStore(api: api),
                                   admin: admin))
        }
        await f.cleanUp()
    }

    func route(_ m: Managed, user: String? = nil) -> Route {
        Route(user: PosternUser(name: "alice", roles: []), database: m.db, dbUser: user ?? m.user)
    }

    func settings() -> ManagedUserRotator.Settings {
        var s = ManagedUserRotator.Settings()
        s.retryDelay = .milliseconds(200)
        s.oldPasswordGrace = .zero
        return s
    }

    func testRotationKeepsOpenSessionsAndNewSessionsReadTheNewPassword() async throws {
        try await withManaged(interval: .seconds(1)) { m in
            let events = NIOLockedValueBox<[ManagedUserRotator.Event]>([])
            let rotator = ManagedUserRotator(store: m.store, admin: m.admin, settings: settings(), onEvent: { event in
                events.withLockedValue { $0.append(event) }
            })
            let logins = RedisManagedLogins(store: m.store)

            // No secret yet: a clear error, then the first rotation sets one.
            do {
                _ = try await logins.login(for: route(m))
                XCTFail("signed in before any password was set")
            } catch let error as UpstreamCredentialError {
                XCTAssertTrue(error.description.contains("has no password yet"), error.description)
            }
            try await rotator.rotate(m.db, user: m.user)
            let first = try await logins.login(for: route(m))
            XCTAssertEqual(first.password.count, 64)
            let session = try await m.fixture.signIn(m.db, user: first.user, password: first.password)
            _ = try await session.send(["SET", "rot:\(m.fixture.runID)", "before"])

            // Rotate on the 1 s interval in the background until the stored password changes.
            let loop = Task { await rotator.run([m.db]) }
            var second = first
            let deadline = Date().addingTimeInterval(30)
            while second.password == first.password, Date() < deadline {
                try await Task.sleep(for: .milliseconds(100))
                second = try await logins.login(for: route(m))
            }
            loop.cancel()
            await loop.value
            XCTAssertNotEqual(second.password, first.password, "no rotation within 30 s")

            // The session signed in with the old password still works; a new one uses the new password.
            let stillThere = try await session.send(["GET", "rot:\(m.fixture.runID)"])
            XCTAssertEqual(stillThere.text, "before")
            await session.close()
            let latest = try await logins.login(for: route(m))
            let fresh = try await m.fixture.signIn(m.db, user: latest.user, password: latest.password)
            let whoami = try await fresh.send(["ACL", "WHOAMI"])
            XCTAssertEqual(whoami.text, m.user)
            await fresh.close()
            // The old password is gone from the server.
            do {
                _ = try await m.fixture.signIn(m.db, user: m.user, password: first.password)
                XCTFail("the old password still signs in")
            } catch RedisAdminError.refused(let text) {
                XCTAssertTrue(text.hasPrefix("WRONGPASS"), text)
            }

            // Secrets Manager holds it under the prefix, with the KMS key, the previous version kept.
            let previous = try await m.api.getSecretValue(secretID: m.secretName, stage: .previous)
            XCTAssertNotNil(previous.secretString)
            struct Describe: Encodable { var SecretId: String }
            struct Described: Decodable { var KmsKeyId: String?; var Name: String }
            let described = try await m.api.client.json(target: "secretsmanager.DescribeSecret",
                                                        request: Describe(SecretId: m.secretName), response: Described.self)
            XCTAssertEqual(described.Name, "postern-test/\(m.db.name)/\(m.user)")
            XCTAssertEqual(described.KmsKeyId, "alias/postern-test")

            let seen = events.withLockedValue { $0 }
            XCTAssertGreaterThanOrEqual(seen.filter { $0 == .rotated(database: m.db.name, user: m.user) }.count, 2)
            for text in ["\(seen)", "\(first)", "\(latest)"] {
                XCTAssertFalse(text.contains(first.password) || text.contains(latest.password), "a password leaked")
            }
        }
    }

    func testTheAWSWiringSignsInManagedUsersThroughTheCredentialChain() async throws {
        let f = try RedisSignInFixture()
        let user = try await f.makeUser("wired", rules: ["on", "~*", "+@all"])
        var db = f.database(name: "wired-\(f.runID)", auth: .managed)
        db.redis.managedUsers = RedisManagedUsers(users: [user], adminUser: f.admin.user, adminPassword: .environment(Self.adminEnv))
        let environment = [
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": try f.env.string("POSTERN_TEST_AWS_REGION"),
            "AWS_ENDPOINT_URL": try f.env.motoURL().absoluteString, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", Self.adminEnv: f.admin.password,
        ]
        try await AWSHTTPTransport.with { transport in
            let base = AWSCredentialChain(environment: environment, transport: transport, fallbackRegion: "")
            let chain = AWSSessionChain(base: base, baseRegion: base.region, environment: environment, transport: transport)
            let wired = try await RedisAWSSignIn(database: db, chain: chain, transport: transport, group: f.group,
                                                 environment: environment)
            let rotator = try XCTUnwrap(wired.rotator)
            try await rotator.rotate(db, user: user)
            let login = try await wired.signIn.login(for: Route(user: PosternUser(name: "a", roles: []), database: db, dbUser: user))
            let session = try await f.signIn(db, user: login.user, password: login.password)
            await session.close()
        }
        await f.cleanUp()
    }

    func testAFailedStoreKeepsTheOldPasswordInForce() async throws {
        try await withManaged { m in
            let rotator = ManagedUserRotator(store: m.store, admin: m.admin, settings: settings())
            try await rotator.rotate(m.db, user: m.user)
            let current = try await RedisManagedLogins(store: m.store).login(for: route(m))

            let broken = ManagedUserRotator(store: FailingStore(inner: m.store), admin: m.admin, settings: settings())
            do {
                try await broken.rotate(m.db, user: m.user)
                XCTFail("a rotation whose store failed succeeded")
            } catch {
                XCTAssertTrue("\(error)".contains("the old one stays in use"), "\(error)")
                XCTAssertFalse("\(error)".contains(current.password))
            }
            // The stored password still signs in, and the unsaved one was taken back off the user.
            let session = try await m.fixture.signIn(m.db, user: m.user, password: current.password)
            await session.close()
            let admin = try await m.fixture.adminClient()
            let info = try await admin.send(["ACL", "GETUSER", m.user])
            await admin.close()
            guard case .array(let fields) = info, let index = fields.firstIndex(of: .bulk("passwords")),
                  case .array(let hashes) = fields[index + 1]
            else { return XCTFail("unexpected ACL GETUSER reply \(info.rendered())") }
            XCTAssertEqual(hashes.count, 1)
        }
    }

    func testErrorsAreClearAndHoldNoSecret() async throws {
        try await withManaged { m in
            // A user Postern does not manage on this database.
            do {
                _ = try await RedisManagedLogins(store: m.store).login(for: route(m, user: "someone_else"))
                XCTFail("an unmanaged user signed in")
            } catch let error as UpstreamCredentialError {
                XCTAssertTrue(error.description.hasPrefix("db user \"someone_else\" is not managed by Postern"), error.description)
            }
            // A managed user missing on the server.
            var missing = m.db
            missing.redis.managedUsers?.users = ["ghost_\(m.fixture.runID)"]
            let rotator = ManagedUserRotator(store: m.store, admin: m.admin, settings: settings())
            do {
                try await rotator.rotate(missing, user: "ghost_\(m.fixture.runID)")
                XCTFail("rotated a user that does not exist")
            } catch {
                XCTAssertTrue("\(error)".contains("does not exist on"), "\(error)")
            }
            // A wrong admin password.
            let wrongAdmin = ManagedUserRotator(
                store: m.store, admin: RedisAdminConnector(group: m.fixture.group, environment: [Self.adminEnv: "wrong"]),
                settings: settings())
            do {
                try await wrongAdmin.rotate(m.db, user: m.user)
                XCTFail("a wrong admin password was accepted")
            } catch {
                XCTAssertTrue("\(error)".contains("the managed-users admin \"\(m.fixture.admin.user)\" cannot sign in"), "\(error)")
                XCTAssertFalse("\(error)".contains(m.fixture.admin.password))
            }
        }
    }
}

/// Reads through; every store fails, as an unreachable Secrets Manager would.
struct FailingStore: ManagedPasswordStore {
    let inner: any ManagedPasswordStore

    func current(secretName: String) async throws -> ManagedPassword? { try await inner.current(secretName: secretName) }

    func store(_ password: String, secretName: String, kmsKeyID: String?, description: String) async throws {
        throw AWSServiceError(service: "SecretsManager", action: "PutSecretValue", code: "InternalFailure",
                              message: "unavailable", statusCode: 500, requestID: nil)
    }
}

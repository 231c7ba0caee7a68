import Foundation
import NIOCore
import NIOPosix
import PosternCore
import XCTest
@testable import PosternProxy

/// One upstream TLS policy (`UpstreamTLS`) for every engine: verify-full's name check as libpq's,
/// on Redis sessions and the Redis admin client as on PostgreSQL, and `trust_system_cert_pool`.
final class UpstreamTLSPolicyTests: XCTestCase {
    private func redis(_ h: ProxyHarness, _ tls: (inout DatabaseTLS) -> Void) throws -> Database {
        var db = try h.redisDatabase()
        tls(&db.tls)
        return db
    }

    /// The services' certificate names localhost and 127.0.0.1. NIOSSL alone would accept it for
    /// any name, since its IP entry matches the peer; verify-full must not.
    func testRedisVerifyFullRefusesANameTheCertificateDoesNotCarryAndVerifyCAIgnoresIt() async throws {
        let h = try ProxyHarness()
        for name in ["wrong.example", "127.0.0.2"] {
            let db = try redis(h) { $0.serverName = name }
            let r = try h.redisCLI(try await h.tunnel(db, dbUser: "alice"), ["PING"], timeout: 20)
            XCTAssertFalse(r.stdout.contains("PONG"), "\(name): \(r.combined)")
            XCTAssertTrue(r.combined.contains("ERR cannot connect to the upstream server cache: TLS handshake with the upstream "
                + "server failed (certificate not trusted, or the server name does not match): the certificate does not "
                + "name \(name)"), "\(name): \(r.combined)")
        }
        let good = try [
            redis(h) { $0.serverName = "localhost" },
            redis(h) { $0.serverName = "LOCALHOST." },
            redis(h) { $0.serverName = nil },  // the uri's 127.0.0.1, an IP entry of the certificate
            redis(h) { $0.mode = .verifyCA; $0.serverName = "wrong.example" },
        ]
        for db in good {
            let r = try h.redisCLI(try await h.tunnel(db, dbUser: "alice"), ["PING"], timeout: 20)
            XCTAssertEqual(r.stdout, "PONG\n", "\(db.tls): \(r.combined)")
        }
        XCTAssertTrue(h.waitForFinishedSessions(6))
        await h.shutdown()
        let failed = h.sink.all.compactMap { _, e -> String? in
            if case .start(let error?) = e.kind { return error } else { return nil }
        }
        XCTAssertEqual(failed.count, 2, "\(failed)")
        XCTAssertTrue(failed.allSatisfy { $0.contains("the certificate does not name") }, "\(failed)")
    }

    /// The refusal comes before any byte: the server never sees the AUTH (and its password) that
    /// the session had already queued; with the right name it does.
    func testNothingReachesAServerWhoseCertificateFailsTheNameCheck() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let ca = try ThrowawayCA()
        let leaf = try ca.issue("server", commonName: "localhost", sans: "DNS:localhost,IP:127.0.0.1")
        let server = try await ThrowawayTLSRedis(certificate: leaf.certificate, key: leaf.key, caFile: ca.certificate, group: group)
        defer { server.stop() }
        try "any-password".write(toFile: ca.path("password"), atomically: true, encoding: .utf8)
        let h = try ProxyHarness()
        func database(serverName: String) -> Database {
            Database(name: "throwaway", protocol: .redis, uri: "127.0.0.1:\(server.port)", staticLabels: ["env": "test"],
                     tls: DatabaseTLS(mode: .verifyFull, caCertFile: ca.certificate, serverName: serverName),
                     auth: .password(.file(ca.path("password"))))
        }
        XCTAssertEqual(try server.cli(["CONFIG", "RESETSTAT"]).stdout, "OK\n")

        let refused = try h.redisCLI(try await h.tunnel(database(serverName: "wrong.example"), dbUser: "default"), ["PING"])
        XCTAssertTrue(refused.combined.contains("does not name wrong.example"), refused.combined)
        XCTAssertEqual(try server.authCalls(), 0)
        // The admin client (managed users, ACL CAT) is refused the same way.
        do {
            _ = try await RedisAdminClient.connect(to: try UpstreamTarget.make(for: database(serverName: "wrong.example"), defaultPort: RedisEngine.defaultPort),
                                                   on: group)
            XCTFail("the admin client accepted a certificate that does not name wrong.example")
        } catch let error as RedisAdminError {
            XCTAssertTrue(error.description.contains("does not name wrong.example"), error.description)
        }

        let ok = try h.redisCLI(try await h.tunnel(database(serverName: "localhost"), dbUser: "default"), ["PING"])
        XCTAssertEqual(ok.stdout, "PONG\n", ok.combined)
        XCTAssertEqual(try server.authCalls(), 1)
        await h.shutdown()
    }

    /// A legacy certificate with no subjectAltName (the PostgreSQL manual's `-subj "/CN=host"`):
    /// verify-full reads its Common Name, as libpq and redis-cli do; a name it lacks is refused.
    func testACommonNameOnlyCertificateIsCheckedByItsCommonName() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let ca = try ThrowawayCA()
        let leaf = try ca.issue("legacy", commonName: "localhost", sans: nil)
        let server = try await ThrowawayTLSRedis(certificate: leaf.certificate, key: leaf.key, caFile: ca.certificate, group: group)
        defer { server.stop() }
        func target(serverName: String) throws -> UpstreamTarget {
            try UpstreamTarget.make(for: Database(name: "legacy", protocol: .redis, uri: "127.0.0.1:\(server.port)",
                                                  tls: DatabaseTLS(mode: .verifyFull, caCertFile: ca.certificate,
                                                                   serverName: serverName)),
                                    defaultPort: RedisEngine.defaultPort)
        }
        let client = try await RedisAdminClient.connect(to: try target(serverName: "localhost"), on: group)
        let pong = try await client.send(["PING"])
        XCTAssertEqual(pong, .simpleString("PONG"))
        await client.close()
        do {
            _ = try await RedisAdminClient.connect(to: try target(serverName: "db.example"), on: group)
            XCTFail("a certificate for localhost was accepted as db.example")
        } catch let error as RedisAdminError {
            XCTAssertTrue(error.description.contains("TLS handshake with the upstream server failed"), error.description)
        }
    }

    /// `trust_system_cert_pool` decides whether the system store is trusted besides `ca_cert_file`.
    /// The "system store" here is a file holding a throwaway CA (the machine's is left alone):
    /// a server certified by that CA alone is accepted only while the pool is trusted.
    func testTrustSystemCertPoolFalseTrustsTheCAFileAlone() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let systemCA = try ThrowawayCA()
        let leaf = try systemCA.issue("server", commonName: "localhost", sans: "DNS:localhost,IP:127.0.0.1")
        let server = try await ThrowawayTLSRedis(certificate: leaf.certificate, key: leaf.key,
                                                 caFile: systemCA.certificate, group: group)
        defer { server.stop() }
        let otherCA = try ProxyHarness().env.string("POSTERN_TEST_CA")  // did not sign the server's certificate
        func connect(caFile: String?, trustSystem: Bool,
                     systemRoots: UpstreamTLS.SystemRoots = .file(systemCA.certificate)) async throws -> RedisAdminClient {
            let db = Database(name: "pool", protocol: .redis, uri: "127.0.0.1:\(server.port)",
                              tls: DatabaseTLS(mode: .verifyFull, caCertFile: caFile, trustSystemCertPool: trustSystem))
            return try await RedisAdminClient.connect(to: try UpstreamTarget.make(for: db, defaultPort: RedisEngine.defaultPort, systemRoots: systemRoots), on: group)
        }

        for caFile in [otherCA, nil] {
            let client = try await connect(caFile: caFile, trustSystem: true)
            let pong = try await client.send(["PING"])
            XCTAssertEqual(pong, .simpleString("PONG"), "ca_cert_file \(caFile ?? "none")")
            await client.close()
        }
        do {
            _ = try await connect(caFile: otherCA, trustSystem: false)
            XCTFail("trust_system_cert_pool: false still trusted the system store")
        } catch let error as RedisAdminError {
            XCTAssertTrue(error.description.contains("certificate not trusted"), error.description)
        }
        // The machine's own store does not hold the throwaway CA either.
        do {
            _ = try await connect(caFile: nil, trustSystem: true, systemRoots: .platform)
            XCTFail("the platform store trusted a throwaway CA")
        } catch let error as RedisAdminError {
            XCTAssertTrue(error.description.contains("certificate not trusted"), error.description)
        }
        // With nothing to trust the policy says so at once, instead of failing every handshake.
        do {
            _ = try await connect(caFile: nil, trustSystem: false)
            XCTFail("a policy trusting nothing was built")
        } catch let error as UpstreamCredentialError {
            XCTAssertEqual(error.description, "database \"pool\" has tls.trust_system_cert_pool: false and no "
                + "tls.ca_cert_file, so no certificate could be trusted: set ca_cert_file")
        }
    }

    /// PostgreSQL sessions follow the same policy.
    func testPostgresTrustingNothingIsAClearError() async throws {
        let h = try ProxyHarness()
        let db = try h.database(tls: DatabaseTLS(mode: .verifyFull, caCertFile: nil, trustSystemCertPool: false))
        let r = try h.psql(try await h.tunnel(db, dbUser: h.admin.user, dbName: h.admin.database), ["-c", "select 1"])
        XCTAssertNotEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stderr.contains("has tls.trust_system_cert_pool: false and no tls.ca_cert_file"), r.combined)
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
    }
}

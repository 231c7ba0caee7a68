// Proves the local test services (scripts/services start) are what later integration
// tests rely on: PostgreSQL with TLS verify-full + SCRAM (and one MD5 user), Redis over TLS
// with ACL users, and moto answering STS. Each test FAILS when the services are not running.

import PosternTestSupport
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

final class ServiceHarnessTests: XCTestCase {
    // Loaded in each test body, not in setUpWithError(): swift-corelibs-xctest reports an
    // error thrown from setUpWithError() as "skipped" as well as failed.
    private func services() throws -> ServiceEnvironment { try ServiceEnvironment.load() }

    // MARK: - environment file

    func testEnvFileNamesEverythingTheTestsNeed() throws {
        let env = try services()
        for key in [
            "POSTERN_TEST_PG_HOST", "POSTERN_TEST_PG_PORT", "POSTERN_TEST_PG_CA", "POSTERN_TEST_WRONG_CA",
            "POSTERN_TEST_PG_SOCKET_DIR", "POSTERN_TEST_PG_ADMIN_USER", "POSTERN_TEST_PG_IAM_USER",
            "POSTERN_TEST_REDIS_HOST", "POSTERN_TEST_REDIS_PORT", "POSTERN_TEST_REDIS_TLS_PORT",
            "POSTERN_TEST_REDIS_CA", "POSTERN_TEST_MOTO_URL", "POSTERN_TEST_SHARED_PG_HOST", "POSTERN_TEST_SHARED_PG_PORT",
            "POSTERN_TEST_SHARED_PG_DATABASE", "POSTERN_TEST_SHARED_PG_USER", "POSTERN_TEST_SERVICES_SCRIPT",
        ] {
            XCTAssertNoThrow(try env.string(key), key)
        }
        XCTAssertEqual(env["POSTERN_TEST_PG_HOST"], "127.0.0.1")
        XCTAssertEqual(env["POSTERN_TEST_REDIS_HOST"], "127.0.0.1")
        XCTAssertEqual(env["POSTERN_TEST_SHARED_PG_HOST"], "127.0.0.1")
        XCTAssertTrue(try env.string("POSTERN_TEST_MOTO_URL").hasPrefix("http://127.0.0.1:"))

        let passwordKeys = env.values.keys.filter { $0.hasSuffix("_PASSWORD_FILE") }.sorted()
        XCTAssertEqual(passwordKeys.count, 9, "\(passwordKeys)")
        for key in passwordKeys {
            let path = try env.string(key)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            XCTAssertEqual(mode & 0o077, 0, "\(path) must not be readable by group/others")
            XCTAssertFalse(try env.secret(key).isEmpty, key)
        }
    }

    // MARK: - PostgreSQL

    private func psql(_ login: ServiceEnvironment.PostgresLogin, _ conninfo: String, _ sql: String) throws
        -> ProcessResult
    {
        try ProcessRunner.run(
            "psql", ["-X", "-w", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql],
            environment: ["PGPASSWORD": login.password, "PGCONNECT_TIMEOUT": "10"])
    }

    private let whoAmI = "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()"

    func testPostgresVerifyFullWithSCRAM() throws {
        let env = try services()
        let alice = try env.postgres("ALICE")
        // channel_binding=require succeeds only when the server authenticated with SCRAM.
        for host in ["127.0.0.1", "localhost"] {
            let r = try psql(alice, alice.conninfo(host: host, extra: "channel_binding=require"), whoAmI)
            XCTAssertEqual(r.status, 0, r.combined)
            XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "alice|t", r.combined)
        }
        let bob = try env.postgres("BOB")
        let r = try psql(bob, bob.conninfo(database: try env.string("POSTERN_TEST_PG_APP_DATABASE")), whoAmI)
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "bob|t", r.combined)
    }

    func testPostgresStoresSCRAMAndOneMD5Password() throws {
        let env = try services()
        let admin = try env.postgres("ADMIN")
        let r = try psql(
            admin, admin.conninfo(),
            """
            select rolname || ' ' || case when rolpassword like 'SCRAM-SHA-256$%' then 'scram'
                                          when rolpassword like 'md5%' then 'md5' else 'other' end
            from pg_authid where rolname in ('postern_admin','alice','bob','md5user','iam_user')
            order by rolname
            """)
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertEqual(
            r.stdout.split(separator: "\n").map(String.init),
            ["alice scram", "bob scram", "iam_user scram", "md5user md5", "postern_admin scram"], r.combined)
    }

    func testPostgresMD5UserSignsIn() throws {
        let env = try services()
        let md5 = try env.postgres("MD5USER")
        let ok = try psql(md5, md5.conninfo(), whoAmI)
        XCTAssertEqual(ok.status, 0, ok.combined)
        XCTAssertEqual(ok.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "md5user|t", ok.combined)
        // MD5 really was used: a client that insists on SCRAM channel binding is turned away.
        let strict = try psql(md5, md5.conninfo(extra: "channel_binding=require"), "select 1")
        XCTAssertNotEqual(strict.status, 0, strict.combined)
        XCTAssertTrue(strict.stderr.contains("channel binding"), strict.combined)
    }

    func testPostgresVerifyFullRejectsTheWrongCA() throws {
        let env = try services()
        let alice = try env.postgres("ALICE")
        let r = try psql(alice, alice.conninfo(caFile: try env.string("POSTERN_TEST_WRONG_CA")), "select 1")
        XCTAssertNotEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stderr.contains("certificate verify failed"), r.combined)
    }

    func testPostgresRefusesWrongPasswordAndPlaintext() throws {
        let env = try services()
        var alice = try env.postgres("ALICE")
        let plain = try psql(
            alice, "host=\(alice.host) port=\(alice.port) dbname=\(alice.database) user=alice sslmode=disable",
            "select 1")
        XCTAssertNotEqual(plain.status, 0, plain.combined)
        XCTAssertTrue(plain.stderr.contains("no pg_hba.conf entry"), plain.combined)

        alice.password = "not-" + alice.password
        let wrong = try psql(alice, alice.conninfo(), "select 1")
        XCTAssertNotEqual(wrong.status, 0, wrong.combined)
        XCTAssertTrue(wrong.stderr.contains("password authentication failed"), wrong.combined)
    }

    // MARK: - Redis

    private func redisCLI(_ login: ServiceEnvironment.RedisLogin, caFile: String? = nil, _ command: [String]) throws
        -> ProcessResult
    {
        // The password goes through REDISCLI_AUTH rather than argv.
        try ProcessRunner.run(
            "redis-cli",
            ["--tls", "--cacert", caFile ?? login.caFile, "-h", login.host, "-p", String(login.tlsPort),
             "--user", login.user] + command,
            environment: ["REDISCLI_AUTH": login.password], timeout: 15)
    }

    func testRedisOverTLSWithACLUsers() throws {
        let env = try services()
        let alice = try env.redis("ALICE")
        let ping = try redisCLI(alice, ["PING"])
        XCTAssertEqual(ping.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "PONG", ping.combined)

        let flush = try redisCLI(alice, ["FLUSHALL"])
        XCTAssertTrue(flush.stdout.contains("NOPERM"), flush.combined)

        let app = try env.redis("APP")
        let own = try redisCLI(app, ["SET", "app:harness", "1"])
        XCTAssertEqual(own.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "OK", own.combined)
        let other = try redisCLI(app, ["SET", "harness", "1"])
        XCTAssertTrue(other.stdout.contains("NOPERM"), other.combined)
    }

    func testRedisTLSRejectsTheWrongCA() throws {
        let env = try services()
        let alice = try env.redis("ALICE")
        let r = try redisCLI(alice, caFile: try env.string("POSTERN_TEST_WRONG_CA"), ["PING"])
        XCTAssertNotEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "PONG", r.combined)
        XCTAssertTrue(r.combined.contains("certificate verify failed"), r.combined)
    }

    // MARK: - moto

    func testMotoAnswersSTSGetCallerIdentity() async throws {
        let env = try services()
        var request = URLRequest(url: try env.motoURL())
        request.httpMethod = "POST"
        request.timeoutInterval = 15
        request.setValue("application/x-www-form-urlencoded; charset=utf-8", forHTTPHeaderField: "Content-Type")
        // moto routes by the credential scope's service name and, by default, checks no signature.
        request.setValue(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/sts/aws4_request, "
                + "SignedHeaders=content-type;host, Signature=0000",
            forHTTPHeaderField: "Authorization")
        request.httpBody = Data("Action=GetCallerIdentity&Version=2011-06-15".utf8)

        let (data, response) = try await URLSession.shared.data(for: request)
        let body = String(decoding: data, as: UTF8.self)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200, body)
        XCTAssertTrue(body.contains("<GetCallerIdentityResult>"), body)
        XCTAssertTrue(body.contains("<Account>123456789012</Account>"), body)
    }
}

final class ServiceEnvironmentParsingTests: XCTestCase {
    func testParserReadsPlainAndShellStyleLines() {
        let parsed = ServiceEnvironment.parse(
            """
            # comment
            A=1

            export B=two
            C = "three"
            D=x=y
            """)
        XCTAssertEqual(parsed, ["A": "1", "B": "two", "C": "three", "D": "x=y"])
    }

    func testMissingEnvFileFailsWithTheStartHint() {
        XCTAssertThrowsError(
            try ServiceEnvironment.load(
                environment: ["POSTERN_TEST_ENV": "/nonexistent/postern/env"], filePath: "/nonexistent/x.swift")
        ) { error in
            XCTAssertTrue(String(describing: error).contains(ServiceEnvironment.notRunningMessage), "\(error)")
        }
    }
}

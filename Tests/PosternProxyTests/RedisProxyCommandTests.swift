import Foundation
import PosternTestSupport
import XCTest

/// `postern proxy db NAME --db-user U` for a Redis database: the printed line works with redis-cli.
final class RedisProxyCommandTests: XCTestCase {
    func testProxyDBPrintsARedisCLILineThatWorks() throws {
        let env = try ServiceEnvironment.load()
        let files = try PrivateConfig("redis-proxy")
        defer { files.remove() }
        let config = try files.write(try ServiceDatabaseYAML.aliceRedisConfig(
            env, cluster: "redis-cli-test", store: files.path("audit.sqlite"), auditExtra: ", redis_values: redacted"))
        let (json, object) = try startJSONTunnel(["cache", "--db-user", "alice"], config: config)
        XCTAssertEqual(Set(object.keys), ["host", "port", "user", "password", "protocol"])
        XCTAssertEqual(object["protocol"] as? String, "redis")
        let port = try XCTUnwrap(object["port"] as? Int)
        let password = try XCTUnwrap(object["password"] as? String)
        let key = "postern:cli:\(UUID().uuidString)"
        let cli = ["-h", "127.0.0.1", "-p", String(port), "--user", "alice", "-a", password, "--no-auth-warning"]
        XCTAssertEqual(try Subprocess.run("redis-cli", cli + ["SET", key, "v"]).stdout, "OK\n")
        XCTAssertEqual(try Subprocess.run("redis-cli", cli + ["GETDEL", key]).stdout, "v\n")
        json.signal(SIGTERM)
        XCTAssertEqual(json.wait(timeout: 15).status, 0)

        let text = try Subprocess(KillNineTests.binary, ["proxy", "db", "cache", "--db-user", "alice", "--port", "0",
                                                          "--config", config])
        let printed = eventually(timeout: 30) { text.stdoutSoFar.contains("Ctrl-C") }
        // The printed line works as it is, and keeps the secret out of argv (where `ps` shows it
        // to every user): it goes in REDISCLI_AUTH.
        let line = try XCTUnwrap(text.stdoutSoFar.split(separator: "\n").first { $0.contains("redis-cli") })
            .trimmingCharacters(in: .whitespaces)
        XCTAssertTrue(line.hasPrefix("REDISCLI_AUTH="), line)
        XCTAssertFalse(line.contains(" -a "), line)
        let run = try Subprocess.run("/bin/sh", ["-c", line + " PING"])
        XCTAssertEqual(run.stdout, "PONG\n", run.combined)
        text.signal(SIGTERM)
        let out = text.wait(timeout: 15)
        XCTAssertTrue(printed, out.combined)
        XCTAssertTrue(out.stdout.contains("good for any number of connections"), out.stdout)
    }
}

/// `proxy db` for a managed user: it rotates the password while the tunnel is up (a 1 s interval
/// here), says so on stderr (never the password), and redis-cli keeps signing in.
final class RedisManagedProxyCommandTests: XCTestCase {
    func testProxyDBRotatesAndReportsIt() async throws {
        let f = try RedisSignInFixture()
        let user = try await f.makeUser("cli_managed", rules: ["on", "~*", "&*", "+@all"])
        let files = try PrivateConfig("redis-managed")
        defer { files.remove() }
        let config = try files.write("""
            cluster_name: redis-managed-test
            users:
              - name: \(KillNineTests.login())
                roles: [access]
                traits: {db_users: [\(user)]}
            databases:
              - name: sessions-\(f.runID)
                protocol: redis
                uri: \(f.admin.host):\(f.admin.tlsPort)
                tls: {mode: verify-full, ca_cert_file: \(f.admin.caFile)}
                auth: managed
                redis:
                  managed_users: {users: [\(user)], rotation_interval: 1s, admin_user: \(f.admin.user),
                                  admin_password_env: POSTERN_CLI_REDIS_ADMIN}
                aws:
                  region: \(try f.env.string("POSTERN_TEST_AWS_REGION"))
                  secret_store: {key_prefix: postern-cli-test/}
            audit: {backend: sqlite, path: \(files.path("audit.sqlite"))}

            """)
        let environment = [
            "POSTERN_CLI_REDIS_ADMIN": f.admin.password, "AWS_ENDPOINT_URL": try f.env.motoURL().absoluteString,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let (proxy, object) = try startJSONTunnel(["sessions-\(f.runID)", "--db-user", user], config: config,
                                                  environment: environment)
        let cli = ["-h", "127.0.0.1", "-p", String(try XCTUnwrap(object["port"] as? Int)), "--user", user,
                   "-a", try XCTUnwrap(object["password"] as? String), "--no-auth-warning", "ACL", "WHOAMI"]
        let rotated = "rotated the password of managed user \(user) on sessions-\(f.runID)"
        XCTAssertTrue(eventually(timeout: 30) { proxy.stderrSoFar.components(separatedBy: rotated).count > 2 },
                      "two rotations within the test: \(proxy.stderrSoFar)")
        XCTAssertEqual(try Subprocess.run("redis-cli", cli).stdout, user + "\n")
        proxy.signal(SIGTERM)
        let out = proxy.wait(timeout: 15)
        XCTAssertEqual(out.status, 0, out.combined)
        XCTAssertFalse(out.stderr.contains("failed"), out.stderr)
        await f.cleanUp()
    }
}

/// A private (0700) directory holding a config file (0600) and what the test puts beside it.
struct PrivateConfig {
    let dir: URL

    init(_ name: String) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    func path(_ file: String) -> String { dir.appendingPathComponent(file).path }

    /// Writes `postern.yaml` and returns its path.
    func write(_ yaml: String) throws -> String {
        let config = path("postern.yaml")
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o600)
        return config
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// `postern proxy db ARGS --port 0 --format json --config CONFIG`, once its banner line is out.
func startJSONTunnel(_ arguments: [String], config: String,
                     environment: [String: String] = [:]) throws -> (Subprocess, [String: Any]) {
    let proxy = try Subprocess(KillNineTests.binary, ["proxy", "db"] + arguments + ["--port", "0", "--format", "json",
                                                                                    "--config", config],
                               environment: environment)
    var line: [String: Any]?
    _ = eventually(timeout: 30) {
        guard let first = proxy.stdoutSoFar.split(separator: "\n").first else { return false }
        line = try? JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        return line != nil
    }
    return (proxy, try XCTUnwrap(line, proxy.wait(timeout: 1).combined))
}

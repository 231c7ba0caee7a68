import Foundation
import XCTest

/// Numbers and durations out of range, on the command line or in the config, are one clear line
/// on stderr and exit 1 (ArgumentParser's usage error, 64, for what it parses itself): never a trap.
final class BadNumberCLITests: XCTestCase {
    func assertClearError(_ r: CLIRunner.Output, status: Int32 = 1, _ message: String,
                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(message), r.stderr, file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr, file: file, line: line)
    }

    func testTokenPortOutOfRange() throws {
        let env = AWSTokenCLITests.environment(.init(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: nil))
        for port in ["0", "-1", "65536", "99999999999"] {
            let r = try CLIRunner.run(["aws", "token", "rds", "--host", "db.example.us-east-1.rds.amazonaws.com",
                                       "--port=\(port)", "--db-user", "app", "--region", "us-east-1"], environment: env)
            assertClearError(r, "port must be 1...65535, got \(port)")
        }
        let huge = try CLIRunner.run(["aws", "token", "rds", "--host", "h", "--port", "99999999999999999999", "--db-user", "u"],
                                     environment: env)
        assertClearError(huge, status: 64, "--port")
    }

    /// Go's longest duration is 2562047h47m16.854775807s; past it the config is refused where it
    /// says so, as any other bad duration.
    func testRotationIntervalPastGosLimit() throws {
        func config(_ interval: String) -> String {
            """
            cluster_name: t
            users:
              - {name: alice, roles: [access]}
            databases:
              - name: cache
                protocol: redis
                uri: 127.0.0.1:63800
                auth: managed
                redis: {managed_users: {users: [app], admin_user: admin, admin_password_env: REDIS_ADMIN, rotation_interval: \(interval)}}

            """
        }
        let ok = try TempConfig(config("2562047h"))
        XCTAssertEqual(try CLIRunner.run(["db", "ls", "--config", ok.path, "--as", "alice"]).status, 0)
        for interval in ["2562048h", "99999999999999999999h", "9223372036854775807ms"] {
            let c = try TempConfig(config(interval))
            assertClearError(try CLIRunner.run(["db", "ls", "--config", c.path, "--as", "alice"]),
                             "databases[0].redis.managed_users.rotation_interval must be a duration of at least 1s")
        }
    }
}

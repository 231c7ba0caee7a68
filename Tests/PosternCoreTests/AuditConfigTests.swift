import PosternCore
import XCTest

final class AuditConfigTests: XCTestCase {
    func decode(_ yaml: String) throws(ConfigError) -> AuditConfig {
        try ConfigDecoder.decode(yaml, file: "/etc/postern/postern.yaml", baseDir: "/etc/postern").config.audit
    }

    func testDefaultsToSQLiteUnderXDGState() throws {
        let c = try decode("cluster_name: x\n")
        XCTAssertEqual(c, AuditConfig(backend: .sqlite, path: nil, synchronous: .normal))
        XCTAssertEqual(c.resolvedPath(environment: ["XDG_STATE_HOME": "/var/state"], home: "/home/a"),
                       "/var/state/postern/audit.sqlite")
        XCTAssertEqual(c.resolvedPath(environment: [:], home: "/home/a"), "/home/a/.local/state/postern/audit.sqlite")
        XCTAssertEqual(c.resolvedPath(environment: ["XDG_STATE_HOME": "relative"], home: "/home/a"),
                       "/home/a/.local/state/postern/audit.sqlite")
        XCTAssertEqual(AuditConfig(backend: .jsonl).resolvedPath(environment: [:], home: "/root"),
                       "/root/.local/state/postern/audit.jsonl")
    }

    func testBackendPathAndSynchronous() throws {
        let c = try decode("audit: {backend: jsonl, path: logs/audit.jsonl, synchronous: full}\n")
        XCTAssertEqual(c, AuditConfig(backend: .jsonl, path: "/etc/postern/logs/audit.jsonl", synchronous: .full))
        XCTAssertEqual(try decode("audit:\n  path: /var/log/postern.sqlite\n").path, "/var/log/postern.sqlite")
    }

    func testStrictErrors() {
        let cases: [(String, String)] = [
            ("audit: {backend: mysql}\n", "audit.backend must be sqlite or jsonl"),
            ("audit: {synchronous: off}\n", "audit.synchronous must be normal or full"),
            ("audit: {path: \"\"}\n", "audit.path must not be empty"),
            ("audit: {backend: sqlite, retention: 30d}\n", "unknown key \"retention\" in audit"),
            ("audit: [sqlite]\n", "audit must be a mapping"),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try decode(yaml), yaml) { error in
                XCTAssertTrue((error as? ConfigError)?.description.contains(message) ?? false, "\(error)")
                XCTAssertEqual((error as? ConfigError)?.line, 1, yaml)
            }
        }
    }
}

import PosternCore
import XCTest

/// `spec.options`: the two session controls Postern enforces are read (the shortest over a user's
/// roles wins), restricting options it cannot enforce are refused by name, and `rules` on the
/// audit give the auditor's reach.
final class RoleOptionsTests: XCTestCase {
    func role(_ name: String, options: String = "", rules: String = "") -> String {
        """
          - kind: role
            version: v7
            metadata: {name: \(name)}
            spec:
              \(options.isEmpty ? "" : "options: {\(options)}")
              allow:
                db_labels: {'*': '*'}
                db_users: [reader]
                \(rules.isEmpty ? "" : "rules: \(rules)")
        """
    }

    func load(_ roles: [String], userRoles: [String]) throws -> AccessChecker {
        let text = """
            users:
              - name: alice
                roles: [\(userRoles.joined(separator: ", "))]
            roles:
            \(roles.joined(separator: "\n"))
            """
        var fs = InMemoryFileSystem()
        fs.file("/etc/postern/postern.yaml", text, mode: 0o644)
        let config = try ConfigLoader(fs: fs).load("/etc/postern/postern.yaml").config
        return try config.accessChecker(for: try XCTUnwrap(config.user(named: "alice")))
    }

    func testTheShortestIdleTimeoutAndTTLOverTheRolesWin() throws {
        let checker = try load([role("a", options: "client_idle_timeout: 30m, max_session_ttl: 8h"),
                                role("b", options: "client_idle_timeout: 90s"),
                                role("c", options: "max_session_ttl: 0s, client_idle_timeout: never")],
                               userRoles: ["a", "b", "c"])
        XCTAssertEqual(checker.limits, SessionLimits(idleTimeout: .seconds(90), maxTTL: .seconds(8 * 3600)))
        XCTAssertEqual(try load([role("plain")], userRoles: ["plain"]).limits, .none)
    }

    func testRestrictingOptionsPosternCannotEnforceAreRefusedByName() {
        for option in ["require_session_mfa: true", "max_connections: 3", "pin_source_ip: true",
                       "device_trust_mode: required", "request_access: always"] {
            XCTAssertThrowsError(try load([role("x", options: option)], userRoles: ["x"]), option) { error in
                let name = String(option.prefix { $0 != ":" })
                XCTAssertTrue("\(error)".contains(name) && "\(error)".contains("does not enforce"), "\(error)")
            }
        }
        // Off values, and options that do not bear on database sessions, are accepted.
        XCTAssertNoThrow(try load([role("x", options: "require_session_mfa: false, max_connections: 0, forward_agent: true, cert_format: standard")],
                                  userRoles: ["x"]))
    }

    func testABadDurationIsAConfigError() {
        XCTAssertThrowsError(try load([role("x", options: "client_idle_timeout: soon")], userRoles: ["x"])) { error in
            XCTAssertTrue("\(error)".contains("must be a duration"), "\(error)")
        }
    }

    func testAuditReadComesFromRulesOrTheAuditorPreset() throws {
        XCTAssertFalse(try load([role("dev")], userRoles: ["dev"]).readsAllAudit)
        XCTAssertTrue(try load([role("dev")], userRoles: ["dev", "auditor"]).readsAllAudit, "the auditor preset")
        let rule = "[{resources: [event], verbs: [list, read]}]"
        XCTAssertTrue(try load([role("reader", rules: rule)], userRoles: ["reader"]).readsAllAudit)
        XCTAssertFalse(try load([role("other", rules: "[{resources: [node], verbs: [read]}]")], userRoles: ["other"]).readsAllAudit)
    }
}

import PosternCore
import XCTest

/// `require_auth` on a database, and the methods each kind of sign-in allows without it.
final class RequireAuthConfigTests: XCTestCase {
    func decode(_ db: String) throws -> Database {
        let text = "databases:\n" + db.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        return try ConfigDecoder.decode(text, file: "c.yaml", baseDir: "/cfg").config.databases[0]
    }

    func decodeError(_ db: String) -> String? {
        do {
            _ = try decode(db)
            return nil
        } catch {
            return "\(error)"
        }
    }

    static let selfHosted = "- name: x\n  protocol: postgres\n  uri: 127.0.0.1:5432\n  auth: password\n  password_env: PW"

    func testDefaultsFollowTheSignIn() throws {
        XCTAssertEqual(try decode(Self.selfHosted).allowedAuthMethods, [.scramSHA256])
        let iam: [(String, [UpstreamAuthMethod])] = [
            ("mydb.abc123.us-east-1.rds.amazonaws.com:5432", [.password]),
            ("px.proxy-abc123.us-west-1.rds.amazonaws.com:5432", [.password]),
            ("abc123def.dsql.us-east-1.on.aws:5432", [.password]),
            ("wh.abc123.us-east-2.redshift.amazonaws.com:5439", [.md5, .password]),
            ("wg.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439", [.md5, .password]),
        ]
        for (uri, methods) in iam {
            let db = try decode("- name: x\n  protocol: postgres\n  uri: \(uri)")
            XCTAssertNil(db.requireAuth)
            XCTAssertEqual(db.allowedAuthMethods, methods, uri)
        }
    }

    func testRequireAuthTakesAListOrLibpqsCommaForm() throws {
        XCTAssertEqual(try decode(Self.selfHosted + "\n  require_auth: [md5, scram-sha-256, md5]").allowedAuthMethods,
                       [.md5, .scramSHA256])
        XCTAssertEqual(try decode(Self.selfHosted + "\n  require_auth: \"scram-sha-256, none\"").requireAuth, [.scramSHA256, .trust])
        XCTAssertEqual(try decode("- name: x\n  protocol: postgres\n  uri: mydb.abc123.us-east-1.rds.amazonaws.com:5432\n"
                                  + "  require_auth: scram-sha-256").allowedAuthMethods, [.scramSHA256])
    }

    func testBadRequireAuthIsAnError() {
        XCTAssertEqual(decodeError(Self.selfHosted + "\n  require_auth: [scram-sha-256, gss]"),
                       "c.yaml:7: databases[0].require_auth: unknown sign-in method \"gss\" (use password, md5, scram-sha-256, none)")
        XCTAssertEqual(decodeError(Self.selfHosted + "\n  require_auth: []"), "c.yaml:7: databases[0].require_auth needs at least one method")
        XCTAssertEqual(decodeError("- name: x\n  protocol: redis\n  uri: 127.0.0.1:6379\n  auth: password\n  password_env: PW\n"
                                   + "  require_auth: [password]"),
                       "c.yaml:7: databases[0].require_auth is for postgres databases")
    }
}

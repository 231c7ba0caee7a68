import PosternCore
import XCTest

/// Redis passwords the first redaction missed: ACL selectors, SENTINEL's settings, CONFIG SET's
/// pairs, and the server's errors that quote them.
final class RedisRedactionTests: XCTestCase {
    func check(_ argv: [String], _ want: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(AuditRedaction.redisCommand(argv), want, file: file, line: line)
    }

    func testPasswordsInsideACLSelectorsAreMasked() {
        check(["ACL", "SETUSER", "bob", "(>pw)"], ["ACL", "SETUSER", "bob", "(>***)"])
        check(["acl", "setuser", "bob", "on", "(~k >pw +get)", ">top"], ["acl", "setuser", "bob", "on", "(~k >*** ***)", ">***"])
        check(["ACL", "SETUSER", "bob", "(#abc)", "(<pw)", "(!abc)"], ["ACL", "SETUSER", "bob", "(#***)", "(<***)", "(!***)"])
        // Redis joins the arguments from `(` to `)` into one selector.
        check(["ACL", "SETUSER", "bob", "(~k", ">pa", "ss)", "+get"], ["ACL", "SETUSER", "bob", "(~k", ">***", "***)", "+get"])
        check(["ACL", "SETUSER", "bob", "(%R~k", "\">pw\")"], ["ACL", "SETUSER", "bob", "(%R~k", ">***)"])
        check(["ACL", "SETUSER", "bob", "(~k\t>pw)"], ["ACL", "SETUSER", "bob", "(~k >***)"])
        // Unclosed: everything after the password.
        check(["ACL", "SETUSER", "bob", "(>pw", "~k"], ["ACL", "SETUSER", "bob", "(>***", "***"])
        // A selector without secrets, and rules after it, are kept.
        check(["ACL", "SETUSER", "bob", "(~k +get)", "~x", "+set"], ["ACL", "SETUSER", "bob", "(~k +get)", "~x", "+set"])
        check(["ACL", "SETUSER", "bob", "(", "~k", ")", ">pw"], ["ACL", "SETUSER", "bob", "(", "~k", ")", ">***"])
        check(["ACL", "SETUSER", "bob", "()", ">pw"], ["ACL", "SETUSER", "bob", "()", ">***"])
        // A password with spaces or parentheses outside a selector is one rule.
        check(["ACL", "SETUSER", "bob", ">p w)"], ["ACL", "SETUSER", "bob", ">***"])
        check(["ACL", "SETUSER", "bob"], ["ACL", "SETUSER", "bob"])
    }

    func testSentinelSettingsAreMasked() {
        check(["SENTINEL", "SET", "m", "auth-pass", "pw", "quorum", "2"], ["SENTINEL", "SET", "m", "auth-pass", "***", "quorum", "2"])
        // A master named like a setting: pairs are read after the name.
        check(["SENTINEL", "SET", "auth-pass", "auth-pass", "pw"], ["SENTINEL", "SET", "auth-pass", "auth-pass", "***"])
        check(["sentinel", "set", "m", "down-after-milliseconds", "5", "AUTH-PASS", "pw"],
              ["sentinel", "set", "m", "down-after-milliseconds", "5", "AUTH-PASS", "***"])
        check(["SENTINEL", "CONFIG", "SET", "sentinel-pass", "pw"], ["SENTINEL", "CONFIG", "SET", "sentinel-pass", "***"])
        check(["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "yes", "sentinel-pass", "pw"],
              ["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "yes", "sentinel-pass", "***"])
        check(["SENTINEL", "CONFIG", "GET", "sentinel-pass"], ["SENTINEL", "CONFIG", "GET", "sentinel-pass"])
        check(["SENTINEL", "MONITOR", "m", "127.0.0.1", "6379", "2"], ["SENTINEL", "MONITOR", "m", "127.0.0.1", "6379", "2"])
    }

    func testEveryConfigSetPairIsChecked() {
        check(["CONFIG", "SET", "requirepass", "a", "masterauth", "b", "maxmemory", "1mb"],
              ["CONFIG", "SET", "requirepass", "***", "masterauth", "***", "maxmemory", "1mb"])
        check(["config", "set", "MasterAuth", "b", "masteruser", "repl"], ["config", "set", "MasterAuth", "***", "masteruser", "repl"])
        check(["CONFIG", "SET", "primaryauth", "b", "tls-key-file-pass", "c", "tls-client-key-file-pass", "d"],
              ["CONFIG", "SET", "primaryauth", "***", "tls-key-file-pass", "***", "tls-client-key-file-pass", "***"])
        // A value that names a setting is a value: pairs, not a scan.
        check(["CONFIG", "SET", "maxmemory-policy", "requirepass", "x"], ["CONFIG", "SET", "maxmemory-policy", "requirepass", "x"])
        check(["CONFIG", "SET", "requirepass"], ["CONFIG", "SET", "requirepass"])
        check(["CONFIG", "GET", "requirepass"], ["CONFIG", "GET", "requirepass"])
    }

    func testAnErrorAboutASecretKeepsOnlyItsCode() {
        XCTAssertEqual(AuditRedaction.redisError("ERR Error in ACL SETUSER modifier '(>pw)': Syntax error"), "ERR ***")
        XCTAssertEqual(AuditRedaction.redisError("WRONGPASS invalid username-password pair"), "WRONGPASS ***")
        XCTAssertEqual(AuditRedaction.redisError("user_script:1: pw"), "***")
        XCTAssertEqual(AuditRedaction.redisError(""), "***")
    }
}

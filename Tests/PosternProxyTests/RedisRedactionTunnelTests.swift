import Foundation
import PosternCore
import XCTest
@testable import PosternProxy

/// Passwords typed into Redis commands never reach the audit store: not in the command's text,
/// and not in the server's error, which quotes them back.
final class RedisRedactionTunnelTests: XCTestCase {
    func testAPasswordInAnACLSelectorIsMaskedInTheQueryAndInTheServersError() async throws {
        let h = try ProxyHarness()
        let admin = try h.env.redis("ADMIN").user
        let tunnel = try await h.tunnel(try h.redisDatabase(user: "ADMIN"), dbUser: admin)
        let secret = "hunter2-\(UUID().uuidString)"
        // Redis refuses a password inside a selector, so no user is made.
        let user = "postern_probe_\(UUID().uuidString.prefix(8))"
        let one = try h.redisCLI(tunnel, ["ACL", "SETUSER", user, "(>\(secret))"])
        // The client sees the server's error as it is: the password is its own.
        XCTAssertTrue(one.stdout.hasPrefix("ERR Error in ACL SETUSER modifier '(>\(secret))': Syntax error\n"), one.combined)
        let split = try h.redisCLI(tunnel, ["ACL", "SETUSER", user, "(~k", ">\(secret)", "+get)"])
        XCTAssertTrue(split.stdout.contains(secret), split.combined)
        let unmatched = try h.redisCLI(tunnel, ["ACL", "SETUSER", user, "on", "(>\(secret)"])
        XCTAssertTrue(unmatched.stdout.hasPrefix("ERR Unmatched parenthesis"), unmatched.combined)
        await h.shutdown()
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: 3))

        let sessions = h.sink.sessions(dbUser: admin).map { h.redisEvents($0.id) }
        XCTAssertEqual(sessions.map(\.queries), [
            ["ACL SETUSER \(user) (>***)"],
            ["ACL SETUSER \(user) (~k >*** ***)"],
            ["ACL SETUSER \(user) on (>***"],
        ])
        XCTAssertEqual(sessions.map { $0.results.map(\.error) }, [["ERR ***"], ["ERR ***"], ["ERR ***"]])
        for (_, event) in h.sink.all {
            XCTAssertFalse("\(event)".contains(secret), "\(event)")
        }
    }
}

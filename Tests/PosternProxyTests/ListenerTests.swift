import Foundation
import PosternTestSupport
import PosternCore
import XCTest
@testable import PosternProxy

/// The private Unix socket for in-process sessions, and a clean shutdown of open sessions.
final class ListenerTests: XCTestCase {
    func testUnixSocketInAPrivateDirectoryServesItsOwner() async throws {
        let h = try ProxyHarness()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-sock-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let route = Route(user: h.user, database: try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let context = ProxySessionContext(route: route, clientAuthentication: .peerCredentials,
                                          authorizer: AccessCheckerAuthorizer(try AccessChecker(user: h.user, roles: h.roles)),
                                          services: h.services)
        let listener = try await h.server.listenUnix(directory: dir, port: 5432, context: context)
        XCTAssertEqual(listener.socketPath, dir + "/.s.PGSQL.5432")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o700)
        let r = try Subprocess.run("psql", ["host=\(dir) port=5432 user=\(h.admin.user) dbname=\(h.admin.database)",
                                            "-X", "-At", "-c", "select 'over the socket'"])
        XCTAssertEqual(r.stdout, "over the socket\n", r.combined)
        XCTAssertTrue(h.waitForFinishedSessions(1))

        // A directory others can enter is refused.
        let open = dir + "-open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: open) }
        do {
            _ = try await h.server.listenUnix(directory: open, port: 5432, context: context)
            XCTFail("a 0755 socket directory was accepted")
        } catch let error as ProxyListenerError {
            XCTAssertTrue(error.description.contains("must be 0700"), error.description)
        }
        await h.shutdown()
    }

    func testShutdownEndsOpenSessionsCleanly() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let client = try RawPGClient.ready(t)
        XCTAssertEqual(client.query("select 1").first { $0.type == UInt8(ascii: "C") }.map { String(decoding: $0.body.dropLast(), as: UTF8.self) },
                       "SELECT 1")
        await h.shutdown()
        let notice = client.receive()
        XCTAssertEqual(notice?.fields["C"], "57P01")
        XCTAssertTrue(client.isClosed())
        XCTAssertEqual(h.services.openSessions, 0)
        XCTAssertEqual(h.sink.all.map(\.1.kind).last, .end)
        let gone = try eventually(timeout: 10) {
            try h.adminPSQL(["-c", "select count(*) from pg_stat_activity where application_name = 'raw-test'"]).stdout == "0\n"
        }
        XCTAssertTrue(gone, "the upstream backend outlived the shutdown")
    }
}

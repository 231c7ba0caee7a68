import NIOCore
import NIOEmbedded
import PosternCore
@testable import PosternProxy
import XCTest

/// A session is freed with its channel. The client handler's context holds the handler, the
/// handler its session, and the session that context: until the session let go of the context
/// as the pipeline dropped it, every connection's session (auditor, buffers, ledger) outlived it.
/// The pg-startup fuzz target found it as memory growing with each connection.
final class SessionReleaseTests: XCTestCase {
    func testSessionRefusedAtStartupIsFreed() throws {
        // A startup packet length below 8: refused with 08P01, closed by the proxy.
        let (handler, services) = try postgresSession([0, 0, 0, 4], clientLeaves: false)
        XCTAssertNil(handler.value, "the session outlived its channel")
        XCTAssertEqual(services.openSessions, 0)
    }

    func testSessionWhoseClientLeavesDuringAuthenticationIsFreed() throws {
        var startup = ByteBuffer()
        startup.writeInteger(Int32(0))
        startup.writeInteger(PGWire.protocolVersion3)
        startup.writeCString("user")
        startup.writeCString("app")
        startup.writeInteger(UInt8(0))
        startup.setInteger(Int32(startup.readableBytes), at: 0)
        let (handler, services) = try postgresSession(Array(startup.readableBytesView), clientLeaves: true)
        XCTAssertNil(handler.value, "the session outlived its channel")
        XCTAssertEqual(services.openSessions, 0)
    }

    /// One client connection through the PostgreSQL engine on an embedded channel; returns its
    /// handler, held weakly, once the channel is gone.
    private func postgresSession(_ bytes: [UInt8], clientLeaves: Bool) throws -> (Weak<PGSessionHandler>, ProxyServices) {
        let user = PosternUser(name: "tester", roles: ["access"], traits: ["db_users": ["app"], "db_names": ["app"]])
        let route = Route(user: user, database: Database(name: "pg", protocol: .postgres, uri: "127.0.0.1:9"),
                          dbUser: "app", dbName: "app")
        let services = ProxyServices(clusterName: "test", sink: ImmediateSink(), credentials: NoCredentials())
        let context = ProxySessionContext(
            route: route, clientAuthentication: .password("test-secret"),
            authorizer: AccessCheckerAuthorizer(try AccessChecker(user: user, roles: [.presetAccess])),
            services: services)
        let handler: Weak<PGSessionHandler>
        do {
            let channel = EmbeddedChannel()
            PostgresEngine().accept(channel, context: context)
            handler = Weak(try channel.pipeline.syncOperations.handler(type: PGSessionHandler.self))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
            try channel.writeInbound(ByteBuffer(bytes: bytes))
            channel.embeddedEventLoop.run()
            XCTAssertEqual(channel.isActive, clientLeaves, "the proxy should close only a refused session")
            _ = try channel.finish(acceptAlreadyClosed: true)
            channel.embeddedEventLoop.run()
        }
        return (handler, services)
    }

    final class Weak<T: AnyObject> {
        weak var value: T?
        init(_ value: T?) { self.value = value }
    }

    /// Durable at once, on the caller's thread (the embedded loop's).
    private struct ImmediateSink: SessionEventSink {
        func record(_ events: [SessionEvent], of session: SessionInfo) async throws {}
        func record(_ events: [SessionEvent], of session: SessionInfo,
                    completion: @escaping @Sendable ((any Error)?) -> Void) {
            completion(nil)
        }
    }

    private struct NoCredentials: UpstreamCredentialSource {
        func login(for route: Route) async throws -> UpstreamLogin {
            throw UpstreamCredentialError("no upstream in this test")
        }
    }
}

import Foundation
import NIOCore
import NIOPosix
import PosternAWS
import PosternCore
import PosternTestSupport
import XCTest
@testable import PosternProxy

/// Upstream sign-in against the real server: IAM tokens, RBAC refusals, TLS verification with
/// no plaintext fallback. Each refusal reaches the client in its protocol and is audited (TDB00W).
final class UpstreamSignInTests: XCTestCase {
    static let iamUser = "proxy_iam_user"
    static let signingTime = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    static let awsKeys = AWSCredentials(accessKeyId: "AKIDPROXYTEST", secretAccessKey: "proxy-test-secret-key")

    private func iamHarness(signingAt date: Date) throws -> ProxyHarness {
        let credentials = DatabaseSignIn(aws: StaticAWSCredentials(Self.awsKeys), environment: [:], now: { date })
        return try ProxyHarness(credentials: credentials)
    }

    private func iamDatabase(_ h: ProxyHarness) throws -> Database {
        var aws = DatabaseAWS()
        aws.region = "us-east-1"
        var db = try h.database(name: "orders-iam", auth: .iam,
                                tls: DatabaseTLS(mode: .verifyFull, caCertFile: h.admin.caFile, serverName: "localhost"),
                                aws: aws)
        // RDS asks for the token as a cleartext password (the default for auth: iam); the local
        // server stands in for it with the token as a SCRAM password.
        db.requireAuth = [.scramSHA256]
        return db
    }

    func testIAMTokenSignInEndToEndAndAWrongTokenIsRefused() async throws {
        let h = try iamHarness(signingAt: Self.signingTime)
        let db = try iamDatabase(h)
        XCTAssertEqual(db.type, .rds)
        let token = try IAMAuthTokens.rds(host: h.admin.host, port: h.admin.port, dbUser: Self.iamUser, region: "us-east-1",
                                          credentials: Self.awsKeys, date: Self.signingTime).value
        let setup = try h.adminPSQL([
            "-c", "do $$ begin if not exists (select from pg_roles where rolname = '\(Self.iamUser)') then create role \(Self.iamUser) login; end if; end $$",
            "-c", "alter role \(Self.iamUser) login password '\(token)'",
        ])
        XCTAssertEqual(setup.status, 0, setup.stderr)

        let t = try await h.tunnel(db, dbUser: Self.iamUser, dbName: h.admin.database)
        let r = try h.psql(t, ["-c", "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()"])
        XCTAssertEqual(r.stdout, "\(Self.iamUser)|t\n", r.combined)
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()

        // A minute later the token differs: the server refuses it, the client is told clearly.
        let late = try iamHarness(signingAt: Self.signingTime.addingTimeInterval(60))
        let t2 = try await late.tunnel(try iamDatabase(late), dbUser: Self.iamUser, dbName: h.admin.database)
        let refused = try late.psql(t2, ["-c", "select 1"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("upstream sign-in failed: password authentication failed for user \"\(Self.iamUser)\""),
                      refused.combined)
        XCTAssertTrue(late.waitForFinishedSessions(1))
        await late.shutdown()
        let events = late.sink.all.map(\.1)
        XCTAssertEqual(events.count, 1)
        guard case .start(let error?) = events.first?.kind else { return XCTFail("\(events)") }
        XCTAssertTrue(error.contains("password authentication failed"), error)
        let wrongToken = try IAMAuthTokens.rds(host: h.admin.host, port: h.admin.port, dbUser: Self.iamUser, region: "us-east-1",
                                               credentials: Self.awsKeys, date: Self.signingTime.addingTimeInterval(60)).value
        for text in [refused.combined, "\(late.sink.all)", "\(h.sink.all)"] {
            XCTAssertFalse(text.contains(token) || text.contains(wrongToken) || text.contains("X-Amz-Signature"),
                           "a token leaked")
        }
    }

    func testMD5PasswordSignIn() async throws {
        let h = try ProxyHarness()
        let md5 = try h.env.postgres("MD5USER")
        var db = try h.database(name: "orders-md5", auth: .password(.environment("PROXY_TEST_MD5_PASSWORD")))
        db.requireAuth = [.md5]
        let credentials = DatabaseSignIn(environment: ["PROXY_TEST_MD5_PASSWORD": md5.password])
        let h2 = try ProxyHarness(credentials: credentials)
        let t = try await h2.tunnel(db, dbUser: md5.user, dbName: md5.database)
        let r = try h2.psql(t, ["-c", "select current_user"])
        XCTAssertEqual(r.stdout, "\(md5.user)\n", r.combined)
        await h2.shutdown()
        await h.shutdown()
    }

    func testDeniedRouteGets28000WithTeleportWordingAndIsAudited() async throws {
        let onlyAlice = Role(name: "alice-only", allow: RoleConditions(dbLabels: .everything, dbNames: ["*"], dbUsers: ["alice"]))
        let h = try ProxyHarness(roles: [onlyAlice])
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let client = try RawPGClient(port: t.port)
        guard case .error(let message) = try client.startup(user: h.admin.user, database: h.admin.database, password: t.password)
        else { return XCTFail("a denied route was let in") }
        XCTAssertEqual(message.fields["C"], "28000")
        XCTAssertEqual(message.fields["M"], "access to db denied. User does not have permissions. Confirm database user and name.")
        XCTAssertTrue(client.isClosed())
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
        XCTAssertEqual(h.sink.all.map(\.1.kind), [.start(error: AccessDecision.deniedMessage)])
    }

    func testWrongTunnelPasswordAndWrongUserAreRefused() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        guard case .error(let bad) = try RawPGClient(port: t.port).startup(user: h.admin.user, database: h.admin.database,
                                                                            password: "not-the-secret")
        else { return XCTFail("a wrong secret was accepted") }
        XCTAssertEqual(bad.fields["C"], "28P01")
        guard case .error(let other) = try RawPGClient(port: t.port).startup(user: "alice", database: h.admin.database,
                                                                              password: t.password)
        else { return XCTFail("a user outside the route was accepted") }
        XCTAssertEqual(other.fields["C"], "28000")
        XCTAssertTrue(other.fields["M"]?.contains("this connection is for database user") ?? false)
        await h.shutdown()
    }

    func testUpstreamTLSWithWrongNameOrUnknownCAIsRefused() async throws {
        let h = try ProxyHarness()
        let wrongName = try h.database(name: "wrong-name",
                                       tls: DatabaseTLS(mode: .verifyFull, caCertFile: h.admin.caFile, serverName: "db.example.com"))
        let unknownCA = try h.database(name: "unknown-ca",
                                       tls: DatabaseTLS(mode: .verifyFull, caCertFile: try h.env.string("POSTERN_TEST_WRONG_CA")))
        for db in [wrongName, unknownCA] {
            let t = try await h.tunnel(db, dbUser: h.admin.user, dbName: h.admin.database)
            let r = try h.psql(t, ["-c", "select 1"])
            XCTAssertNotEqual(r.status, 0, "\(db.name): \(r.combined)")
            XCTAssertTrue(r.stderr.contains("TLS handshake with the upstream server failed"), "\(db.name): \(r.combined)")
        }
        // verify-ca trusts the CA but not the name: configured, so it connects.
        let verifyCA = try h.database(name: "verify-ca",
                                      tls: DatabaseTLS(mode: .verifyCA, caCertFile: h.admin.caFile, serverName: "db.example.com"))
        let ok = try h.psql(try await h.tunnel(verifyCA, dbUser: h.admin.user, dbName: h.admin.database), ["-c", "select 1"])
        XCTAssertEqual(ok.stdout, "1\n", ok.combined)
        XCTAssertTrue(h.waitForFinishedSessions(3))
        await h.shutdown()
        let failures = h.sink.all.compactMap { _, e -> String? in
            if case .start(let error?) = e.kind { return error } else { return nil }
        }
        XCTAssertEqual(failures.count, 2)
    }

    func testAnUpstreamRefusingTLSGetsNoPlaintext() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let seen = ByteCounter()
        let fake = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(NoTLSServer(seen: seen)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try XCTUnwrap(fake.localAddress?.port)
        let h = try ProxyHarness()
        let db = try h.database(name: "no-tls", uri: "127.0.0.1:\(port)")
        let t = try await h.tunnel(db, dbUser: h.admin.user, dbName: h.admin.database)
        let r = try h.psql(t, ["-c", "select 1"])
        XCTAssertTrue(r.stderr.contains("does not accept TLS; Postern never connects in plaintext"), r.combined)
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
        XCTAssertEqual(seen.value, 8, "only the 8-byte SSLRequest may reach a server that refuses TLS")
        try await fake.close()
        try await group.shutdownGracefully()
    }

    func testMalformedClientMessageGets08P01AndIsAudited() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let client = try RawPGClient.ready(t)
        client.send([UInt8(ascii: "Q")] + be32(2))  // a length below 4
        let reply = client.receive()
        XCTAssertEqual(reply?.type, UInt8(ascii: "E"))
        XCTAssertEqual(reply?.fields["C"], "08P01")
        XCTAssertTrue(client.isClosed())
        // The oversized case: a Query longer than the configured limit.
        let small = try ProxyHarness(limits: ProxyLimits(maxAuditedMessage: 1024))
        let t2 = try await small.tunnel(try small.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let c2 = try RawPGClient.ready(t2)
        let big = c2.query("select '" + String(repeating: "x", count: 2000) + "'")
        XCTAssertEqual(big.first?.fields["C"], "08P01")
        XCTAssertTrue(h.waitForFinishedSessions(1))
        XCTAssertTrue(small.waitForFinishedSessions(1))
        await h.shutdown()
        await small.shutdown()
        for sink in [h.sink, small.sink] {
            let kinds = sink.all.map(\.1.kind)
            XCTAssertEqual(kinds.first, .start(error: nil))
            XCTAssertTrue(kinds.contains { if case .malformed = $0 { return true } else { return false } }, "\(kinds)")
            XCTAssertEqual(kinds.last, .end)
            XCTAssertFalse(kinds.contains { if case .query = $0 { return true } else { return false } })
        }
    }

    /// Statements the audit records always get a result when a malformed message ends the session
    /// (the shared `ClosingSession.malformed`): one already at the server is abandoned, one that
    /// arrived in the same read as the bad message was never sent, and the trail says so.
    func testMalformedMessageLeavesNoStatementWithoutAResult() async throws {
        let h = try ProxyHarness()
        let db = try h.database()
        // Forwarded, then the bad message while the server still runs it.
        let running = try RawPGClient.ready(try await h.tunnel(db, dbUser: h.admin.user, dbName: h.admin.database))
        let marker = "malformed_after_\(UInt32.random(in: 0...UInt32.max))"
        running.sendMessage(UInt8(ascii: "Q"), Array("select pg_sleep(5) as \(marker)".utf8) + [0])
        XCTAssertTrue(try eventually {
            let seen = try h.adminPSQL(["-c", "select count(*) from pg_stat_activity where query like '%\(marker)%' and state = 'active' and pid <> pg_backend_pid()"])
            return seen.stdout == "1\n"
        }, "the statement reached the server")
        running.send([UInt8(ascii: "Q")] + be32(2))
        // In one write: the first is audited, then dropped with the bad message that follows it.
        let sameRead = try RawPGClient.ready(try await h.tunnel(db, dbUser: h.admin.user, dbName: h.admin.database))
        sameRead.send(RawPGClient.frame("Q", Array("select 'never sent'".utf8) + [0]) + [UInt8(ascii: "Q")] + be32(2))
        for client in [running, sameRead] {
            var last: RawPGClient.Message?
            while let m = client.receive() { last = m }
            XCTAssertEqual(last?.fields["C"], "08P01")
        }
        XCTAssertTrue(h.waitForFinishedSessions(2))
        await h.shutdown()
        let bySession = Dictionary(grouping: h.sink.all, by: \.0.id)
        XCTAssertEqual(bySession.count, 2)
        for (_, events) in bySession {
            let kinds = events.map(\.1.kind)
            let results = kinds.compactMap { kind -> StatementResult? in
                if case .result(let r) = kind { return r } else { return nil }
            }
            XCTAssertEqual(results.count, 1, "\(kinds)")
            let error = results.first?.error ?? ""
            if kinds.contains(.query("select 'never sent'")) {
                XCTAssertTrue(error.hasPrefix("not sent: "), error)
            } else {
                XCTAssertTrue(error.hasPrefix("session ended: "), error)
            }
            XCTAssertEqual(kinds.last, .end)
        }
    }

    func testAuditFailureStopsTheStatementFromBeingSent() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let client = try RawPGClient.ready(t)
        h.sink.failFromNow()
        let marker = "proxy_audit_down_\(UInt32.random(in: 0...UInt32.max))"
        let reply = client.query("select '\(marker)'")
        XCTAssertEqual(reply.first?.fields["C"], "58000")
        let seen = try h.adminPSQL(["-c", "select count(*) from pg_stat_activity where query like '%\(marker)%' and pid <> pg_backend_pid()"])
        XCTAssertEqual(seen.stdout, "0\n")
        await h.shutdown()
    }
}

/// A fake server that answers SSLRequest with `N` and counts every byte it receives.
private final class NoTLSServer: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let seen: ByteCounter
    init(seen: ByteCounter) { self.seen = seen }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data).readableBytes
        let before = seen.add(bytes)
        if before == 0 {
            var no = context.channel.allocator.buffer(capacity: 1)
            no.writeInteger(UInt8(ascii: "N"))
            context.writeAndFlush(wrapOutboundOut(no), promise: nil)
        }
    }
}

final class ByteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    /// Adds and returns the count before.
    func add(_ n: Int) -> Int { lock.withLock { defer { count += n }; return count } }
}

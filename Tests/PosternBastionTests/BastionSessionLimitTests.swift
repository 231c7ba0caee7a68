import Foundation
import PosternTestSupport
import XCTest

/// The roles' `client_idle_timeout` and `max_session_ttl` end real sessions through the service,
/// each with a native error and an audited reason; and `doctor --bastion` checks the deployment
/// from an operator's seat.
final class BastionSessionLimitTests: XCTestCase {
    static let limitedRoles = """
        kind: role
        version: v7
        metadata: {name: dev}
        spec:
          options: {client_idle_timeout: 2s, max_session_ttl: 4s}
          allow:
            db_labels: {env: test}
            db_users: [alice]
            db_names: ['*']
        """

    func testIdleTimeoutAndTTLEndSessionsWithAReason() throws {
        let b = try BastionFixture(roles: Self.limitedRoles)
        defer { b.cleanUp() }
        let (tunnel, conninfo) = try b.pgTunnel(as: "alice")
        defer { tunnel.signal(SIGTERM); _ = tunnel.wait(timeout: 20) }
        // A statement that takes longer than the idle timeout: no client statement meanwhile.
        let started = Date()
        let idle = try b.command(as: "alice", ["psql", "-X", "-At", conninfo, "-c", "select pg_sleep(20)"], timeout: 30)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, idle.combined)
        XCTAssertNotEqual(idle.status, 0)
        XCTAssertTrue(idle.stderr.contains("idle for 2s"), idle.combined)

        // Redis, busy (a PING every 0.2 s, so never idle: the pause paces the client, it syncs
        // nothing), is ended by the TTL. A raw client, since redis-cli reconnects on its own.
        let cache = try b.start(as: "alice", [b.binary, "proxy", "db", "cache", "--db-user", "alice", "--format", "json"])
        defer { cache.signal(SIGTERM); _ = cache.wait(timeout: 20) }
        let socket = try XCTUnwrap(try BastionFixture.waitForBanner(cache)["socket"] as? String)
        let client = """
            import socket, sys, time
            s = socket.socket(socket.AF_UNIX)
            s.connect(sys.argv[1])
            s.settimeout(0.2)
            got = b''
            for i in range(100):
                try:
                    s.sendall(b'PING\\r\\n')
                except OSError:
                    break
                time.sleep(0.2)
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not data:
                    break
                got += data
            print(got.decode(), 'pings', i)
            """
        let busy = try b.command(as: "alice", ["python3", "-c", client, socket], timeout: 40)
        XCTAssertTrue(busy.stdout.contains("max_session_ttl of 4s"), busy.combined)
        XCTAssertTrue(busy.stdout.contains("+PONG"), busy.combined)
        XCTAssertFalse(busy.stdout.contains("pings 99"), "the TTL did not end the session: \(busy.combined)")

        var ends: [String] = []
        XCTAssertTrue(try eventually(timeout: 15) {
            ends = try b.auditEvents(as: "alice", ["--type", "db.session.end"]).compactMap { $0["reason"] as? String }
            return ends.contains { $0.contains("client_idle_timeout") } && ends.contains { $0.contains("max_session_ttl") }
        }, "\(ends)")
    }

    func testDoctorChecksTheDeploymentAsTheOperator() throws {
        let b = try BastionFixture()
        defer { b.cleanUp() }
        // A closed loopback port stands in for the instance metadata service (never the real one).
        let doctor = try b.postern(as: "alice", ["doctor", "--bastion"],
                                   environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"])
        XCTAssertEqual(doctor.status, 0, doctor.combined)
        XCTAssertTrue(doctor.stdout.contains("ok    identity: login alice"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("you cannot read \(b.secrets)/pg.password"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("you cannot read \(b.storePath)"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("ok    IMDS"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("ok    config: \(b.configPath) owned by root, mode 640"), doctor.stdout)
        XCTAssertFalse(doctor.stdout.contains("FAIL"), doctor.stdout)

        // Had the operator been able to read a secret, the doctor says so and fails.
        chmod(b.secrets, 0o755)
        chmod(b.secrets + "/pg.password", 0o644)
        let leaky = try b.postern(as: "alice", ["doctor", "--bastion"],
                                  environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"])
        XCTAssertEqual(leaky.status, 1, leaky.combined)
        XCTAssertTrue(leaky.stdout.contains("FAIL  no access: you can read \(b.secrets)/pg.password"), leaky.stdout)
    }

    func testTheServiceRefusesRootAndAnOperatorWritableConfig() throws {
        let b = try BastionFixture()
        defer { b.cleanUp() }
        let root = try Subprocess.run(b.binary, ["serve", "--config", b.configPath])
        XCTAssertNotEqual(root.status, 0)
        XCTAssertTrue(root.stderr.contains("refuses to run as root"), root.combined)
        b.stop()
        let alice = try XCTUnwrap(getpwnam("alice")).pointee.pw_uid
        chown(b.configPath, alice, gid_t.max)
        let owned = try b.command(as: "postern", [b.binary, "serve", "--config", b.configPath], timeout: 20)
        XCTAssertNotEqual(owned.status, 0)
        XCTAssertTrue(owned.stderr.contains("owned by uid \(alice)"), owned.combined)
    }
}

/// `serve.group`: the socket is 0660 and the group's; a user outside it cannot even connect.
final class BastionSocketGroupTests: XCTestCase {
    func testOnlyTheGroupReachesTheSocket() throws {
        if getgrnam("postern-operators") == nil {
            let made = try Subprocess.run("groupadd", ["postern-operators"])
            XCTAssertEqual(made.status, 0, made.combined)
        }
        // The service's user joins the group too: only a member may give the socket to it.
        for user in ["alice", "postern"] {
            let add = try Subprocess.run("usermod", ["-a", "-G", "postern-operators", user])
            XCTAssertEqual(add.status, 0, add.combined)
        }
        let b = try BastionFixture()
        defer { b.cleanUp() }
        b.stop()
        b.serveGroup = "postern-operators"
        try b.writeConfig(users: BastionFixture.defaultUsers)
        try b.startService()
        var st = stat()
        XCTAssertEqual(stat(b.socket, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o660)
        XCTAssertEqual(st.st_gid, try XCTUnwrap(getgrnam("postern-operators")).pointee.gr_gid)
        let alice = try b.postern(as: "alice", ["db", "ls", "--format", "json"])
        XCTAssertEqual(alice.status, 0, alice.combined)
        let bob = try b.postern(as: "bob", ["db", "ls"])
        XCTAssertNotEqual(bob.status, 0)
        XCTAssertTrue(bob.stderr.contains("Permission denied"), bob.combined)
    }
}

import Foundation
import GRDB
import PosternTestSupport
import XCTest

/// Bastion mode with real Unix users: what each operator sees, reaches and reads, and what they
/// cannot touch, through a real `postern serve` running as postern.
final class BastionModeTests: XCTestCase {
    func testListingFollowsEachOperatorsRoles() throws {
        let b = try BastionFixture()
        defer { b.cleanUp() }
        for user in ["alice", "bob"] {
            let r = try b.postern(as: user, ["db", "ls", "--format", "json"])
            XCTAssertEqual(r.status, 0, r.combined)
            let names = (try BastionFixture.json(r.stdout) as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            XCTAssertEqual(names, ["cache", "pg"], "\(user) sees exactly what the dev role permits")
        }
        let carol = try b.postern(as: "carol", ["db", "ls", "--format", "json"])
        XCTAssertEqual(carol.status, 0, carol.combined)
        XCTAssertEqual((try BastionFixture.json(carol.stdout) as? [[String: Any]])?.count, 0, "the auditor reaches no database")
        let mallory = try b.postern(as: "mallory", ["db", "ls", "--format", "json"])
        XCTAssertEqual(mallory.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "[]", mallory.combined)
        XCTAssertNotEqual(mallory.status, 0)
        XCTAssertTrue(mallory.stderr.contains("not in users:"), mallory.stderr)

        let explain = try b.postern(as: "alice", ["db", "explain", "pg", "--db-user", "postgres"])
        XCTAssertEqual(explain.status, 1, explain.combined)
        XCTAssertTrue(explain.stdout.hasPrefix("denied"), explain.stdout)
        let hidden = try b.postern(as: "alice", ["db", "explain", "hidden", "--db-user", "alice"])
        XCTAssertTrue(hidden.stderr.contains("not found"), "a database the roles hide is not confirmed to exist: \(hidden.combined)")
    }

    func testOperatorCannotReadSecretsStoreOrChooseConfig() throws {
        let b = try BastionFixture()
        defer { b.cleanUp() }
        // Something in the store and journal first.
        let ls = try b.postern(as: "alice", ["db", "ls"])
        XCTAssertEqual(ls.status, 0, ls.combined)
        let journal = b.storePath + ".journal"
        for path in [b.secrets + "/pg.password", b.secrets + "/redis.password", b.storePath, journal, b.configPath] {
            let cat = try b.command(as: "alice", ["cat", path])
            XCTAssertNotEqual(cat.status, 0, "alice can read \(path)")
            XCTAssertTrue(cat.stderr.contains("Permission denied"), "\(path): \(cat.combined)")
        }
        // A config of her own granting everything is refused outright, and so is --as.
        let mine = "/home/alice/mine.yaml"
        _ = try b.command(as: "alice", ["sh", "-c", "printf 'users: [{name: alice, roles: [access], traits: {db_users: [\"*\"]}}]\\n' > \(mine); chmod 600 \(mine)"])
        let own = try b.postern(as: "alice", ["db", "ls", "--config", mine])
        XCTAssertNotEqual(own.status, 0)
        XCTAssertTrue(own.stderr.contains("--config and --as are refused"), own.combined)
        let impersonate = try b.postern(as: "alice", ["db", "ls", "--as", "bob"])
        XCTAssertTrue(impersonate.stderr.contains("--config and --as are refused"), impersonate.combined)
        // No token minting for operators.
        let token = try b.postern(as: "alice", ["aws", "token", "rds", "--host", "h.example", "--port", "5432", "--db-user", "postgres"])
        XCTAssertNotEqual(token.status, 0)
        XCTAssertTrue(token.combined.contains("not offered in bastion mode"), token.combined)
    }

    func testPtraceOfTheServiceIsRefused() throws {
        let b = try BastionFixture()
        defer { b.cleanUp() }
        let pid = try XCTUnwrap(b.servicePID)
        let script = """
            import ctypes, os, sys
            libc = ctypes.CDLL(None, use_errno=True)
            r = libc.ptrace(16, \(pid), None, None)
            print(r, os.strerror(ctypes.get_errno()))
            """
        let r = try b.command(as: "alice", ["python3", "-c", script])
        XCTAssertTrue(r.stdout.hasPrefix("-1 "), "PTRACE_ATTACH by alice: \(r.combined)")
        let environ = try b.command(as: "alice", ["cat", "/proc/\(pid)/environ"])
        XCTAssertNotEqual(environ.status, 0, "alice read the service's environment")
    }

    func testSessionsThroughTheServiceAreAuditedWithTheOperator() throws {
        let b = try BastionFixture()
        defer { b.cleanUp() }
        let marker = "bastion_\(UUID().uuidString.prefix(8))"
        // PostgreSQL through a tunnel on a private Unix socket.
        let tunnel = try b.start(as: "alice", [b.binary, "proxy", "db", "pg", "--db-user", "alice", "--db-name",
                                               try b.env.string("POSTERN_TEST_PG_DATABASE"), "--format", "json"],
                                 environment: ["SSH_CONNECTION": "192.0.2.7 50022 192.0.2.1 22"])
        defer { tunnel.signal(SIGTERM); _ = tunnel.wait(timeout: 20) }
        let banner = try BastionFixture.waitForBanner(tunnel)
        let host = try XCTUnwrap(banner["host"] as? String)
        let psql = try b.command(as: "alice", ["psql", "-X", "-At", "host=\(host) port=5432 user=alice dbname=\(try b.env.string("POSTERN_TEST_PG_DATABASE"))",
                                               "-c", "select '\(marker)'"])
        XCTAssertEqual(psql.status, 0, psql.combined)
        XCTAssertEqual(psql.stdout, "\(marker)\n")
        // bob cannot use alice's tunnel.
        let intruder = try b.command(as: "bob", ["psql", "-X", "-At", "host=\(host) port=5432 user=alice dbname=x", "-c", "select 1"])
        XCTAssertNotEqual(intruder.status, 0, "bob used alice's tunnel: \(intruder.combined)")

        // Redis through a loopback TCP tunnel (the relay checks the peer's uid).
        let redisTunnel = try b.start(as: "bob", [b.binary, "proxy", "db", "cache", "--db-user", "alice", "--port", "0",
                                                  "--format", "json"])
        defer { redisTunnel.signal(SIGTERM); _ = redisTunnel.wait(timeout: 20) }
        let redisBanner = try BastionFixture.waitForBanner(redisTunnel)
        let port = try XCTUnwrap(redisBanner["port"] as? Int)
        let set = try b.command(as: "bob", ["redis-cli", "-h", "127.0.0.1", "-p", "\(port)", "SET", marker, "from-bob"])
        XCTAssertEqual(set.stdout, "OK\n", set.combined)
        let stolen = try b.command(as: "alice", ["redis-cli", "-h", "127.0.0.1", "-p", "\(port)", "GET", marker])
        XCTAssertTrue(stolen.stdout.contains("belongs to another user"), "alice used bob's TCP tunnel: \(stolen.combined)")

        // The audit: each operator's own events, with their login and uid; carol (auditor) sees both.
        let aliceUID = try XCTUnwrap(getpwnam("alice")).pointee.pw_uid
        var aliceEvents: [[String: Any]] = []
        XCTAssertTrue(try eventually(timeout: 15) {
            aliceEvents = try b.auditEvents(as: "alice")
            return aliceEvents.contains { ($0["db_query"] as? String)?.contains(marker) == true }
        }, "alice's query is not in her audit")
        XCTAssertTrue(aliceEvents.allSatisfy { $0["user"] as? String == "alice" }, "alice sees only her own events")
        let query = try XCTUnwrap(aliceEvents.first { ($0["db_query"] as? String)?.contains(marker) == true })
        XCTAssertEqual(query["login"] as? String, "alice")
        XCTAssertEqual((query["os_uid"] as? NSNumber)?.uint32Value, aliceUID)
        XCTAssertEqual(query["client_addr"] as? String, "192.0.2.7:50022")
        XCTAssertEqual(query["client_addr_source"] as? String, "SSH_CONNECTION, reported by the client")
        let others = try b.postern(as: "alice", ["audit", "search", "--user", "bob"])
        XCTAssertNotEqual(others.status, 0)
        XCTAssertTrue(others.stderr.contains("only your own audit events"), others.combined)

        var carolEvents: [[String: Any]] = []
        XCTAssertTrue(try eventually(timeout: 15) {
            carolEvents = try b.auditEvents(as: "carol")
            return Set(carolEvents.compactMap { $0["user"] as? String }) == ["alice", "bob"]
        }, "the auditor sees both operators")
        XCTAssertTrue(carolEvents.contains { $0["login"] as? String == "bob" && ($0["db_query"] as? String)?.contains(marker) == true })
        let mallory = try b.postern(as: "mallory", ["audit", "search", "--format", "json"])
        XCTAssertNotEqual(mallory.status, 0)
        XCTAssertTrue(mallory.stderr.contains("not in users:"), "mallory reads nothing: \(mallory.combined)")

        // The auditor has the service verify the store's chains; an operator may not.
        let intact = try b.postern(as: "carol", ["audit", "verify"])
        XCTAssertEqual(intact.status, 0, intact.combined)
        XCTAssertTrue(intact.stdout.hasSuffix(": intact\n"), intact.combined)
        let refused = try b.postern(as: "alice", ["audit", "verify"])
        XCTAssertEqual(refused.status, 2, refused.combined)
        XCTAssertTrue(refused.stderr.contains("reads every audit event"), refused.combined)
        let sid = try XCTUnwrap(query["sid"] as? String)
        var busy = Configuration()
        busy.busyMode = .timeout(30) // the service writes this store meanwhile
        let db = try DatabaseQueue(path: b.storePath, configuration: busy)
        try db.write { db in
            // The index chunk holding the statement's record: its text edited in place, as a hex
            // editor would (same length: the record still reads, its hash no longer fits).
            let needle = Array(marker.utf8)
            for row in try Row.fetchAll(db, sql: "SELECT id, lines FROM audit_chunks WHERE sid = ?", arguments: [sid]) {
                var bytes = [UInt8](row["lines"] as Data)
                guard let at = bytes.indices.first(where: { bytes[$0...].starts(with: needle) }) else { continue }
                bytes[at] ^= 0x20
                try db.execute(sql: "UPDATE audit_chunks SET lines = ? WHERE id = ?", arguments: [Data(bytes), row["id"] as Int64])
            }
        }
        try db.close()
        let broken = try b.postern(as: "carol", ["audit", "verify"])
        XCTAssertEqual(broken.status, 1, broken.combined)
        XCTAssertTrue(broken.stdout.hasPrefix("session \(sid) record "), broken.combined)
        XCTAssertTrue(broken.stdout.contains(": changed: "), broken.combined)
    }

    func testRevokingARoleDeniesNewSessionsAndEndsOpenOnes() throws {
        let b = try BastionFixture()
        defer { b.cleanUp() }
        let (tunnel, conninfo) = try b.pgTunnel(as: "alice")
        defer { tunnel.signal(SIGTERM); _ = tunnel.wait(timeout: 20) }
        // An open session, busy for up to 60 s.
        let long = try b.start(as: "alice", ["psql", "-X", "-At", conninfo, "-c", "select pg_sleep(60)"])
        XCTAssertTrue(try eventually(timeout: 15) {
            try b.auditEvents(as: "carol").contains { ($0["db_query"] as? String)?.contains("pg_sleep(60)") == true }
        })
        // Take alice's role away and tell the service.
        try b.writeConfig(users: """
              - name: alice
                roles: []
              - name: bob
                roles: [dev]
              - name: carol
                roles: [auditor]
            """)
        let started = Date()
        if let pid = b.servicePID { kill(pid, SIGHUP) }
        let ended = long.wait(timeout: 30)
        XCTAssertFalse(ended.timedOut)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "the open session was not ended")
        XCTAssertNotEqual(ended.status, 0)
        XCTAssertTrue(ended.stderr.contains("access revoked"), ended.combined)
        let again = try b.command(as: "alice", ["psql", "-X", "-At", conninfo, "-c", "select 1"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("access to db denied"), again.combined)
        var events: [[String: Any]] = []
        XCTAssertTrue(try eventually(timeout: 15) {
            events = try b.auditEvents(as: "carol", ["--user", "alice"])
            return events.contains { $0["event"] as? String == "db.session.end" && ($0["reason"] as? String)?.contains("revoked") == true }
                && events.contains { $0["event"] as? String == "db.session.start" && $0["success"] as? Bool == false }
        }, "the revocation and the refused session are audited: \(events.suffix(4))")
    }

    /// Ctrl-C in psql through the service still cancels after a reload that changed the database's
    /// definition (the service then serves the database from a new server: the cancel keys are the
    /// whole service's, not one server's).
    func testCancelReachesASessionOpenedBeforeTheDatabaseChanged() throws {
        let b = try BastionFixture()
        defer { b.cleanUp() }
        let (tunnel, conninfo) = try b.pgTunnel(as: "alice")
        defer { tunnel.signal(SIGTERM); _ = tunnel.wait(timeout: 20) }
        // Through python3, which clears the signal mask a test-runner thread may pass on to its
        // children (a blocked SIGINT would never reach psql).
        let unblock = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
            + "signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"
        let psql = try b.start(as: "alice", ["python3", "-c", unblock, "psql", "-X", "-At", conninfo, "-c", "select pg_sleep(60)"])
        XCTAssertTrue(try eventually(timeout: 15) {
            try b.auditEvents(as: "carol").contains { ($0["db_query"] as? String)?.contains("pg_sleep(60)") == true }
        }, "the statement never started")
        // The same CA under another path: a changed definition of `pg`, nothing else.
        let copy = b.root + "/ca-copy.crt"
        try BastionFixture.write(String(contentsOfFile: b.root + "/ca.crt", encoding: .utf8), to: copy,
                                 owner: "root", group: "root", mode: 0o644)
        try b.writeConfig(users: BastionFixture.defaultUsers, ca: copy)
        if let pid = b.servicePID { kill(pid, SIGHUP) }
        // A new session is served by the rebuilt server once the reload is in.
        XCTAssertTrue(eventually(timeout: 15) { b.service?.stderrSoFar.contains("config reloaded") == true },
                      "the service did not take the new config")
        XCTAssertEqual(try b.command(as: "alice", ["psql", "-X", "-At", conninfo, "-c", "select 1"]).stdout, "1\n",
                       "a new session, on the rebuilt server")
        // Ctrl-C goes to psql itself: runuser's child (env and python3 exec it), as runuser does
        // not pass SIGINT on. Found by its parent, so no other psql of alice's is touched.
        let found = try Subprocess.run("pgrep", ["-P", "\(psql.pid)", "-x", "psql"])
        let pids = found.stdout.split(separator: "\n").compactMap { Int32($0) }
        XCTAssertEqual(pids.count, 1, found.combined)
        let pid = try XCTUnwrap(pids.first, found.combined)
        let sent = Date()
        kill(pid, SIGINT)
        let r = psql.wait(timeout: 20)
        XCTAssertFalse(r.timedOut, "psql did not come back after Ctrl-C")
        XCTAssertLessThan(Date().timeIntervalSince(sent), 15)
        XCTAssertTrue(r.stderr.contains("canceling statement due to user request"), r.combined)
    }
}

/// The service with a shared audit store: operators' searches and the auditor's verify are answered
/// from it (each event with its bastion), in the same scope as from the local store.
final class BastionSharedAuditTests: XCTestCase {
    func testTheServiceAnswersFromTheSharedStore() throws {
        let b = try BastionFixture()
        defer { b.cleanUp() }
        let shared = try SharedStoreFixture(b.env)
        defer { shared.drop() }
        // The service's own copy of the shipper's password (it cannot read the test services' files).
        try BastionFixture.write(try b.env.secret("POSTERN_TEST_SHARED_PG_PASSWORD_FILE"), to: b.secrets + "/shared.password",
                                 owner: "postern", group: "postern", mode: 0o600)
        b.auditExtra = """
              host: bastion-shared-test
              shared:
                postgres:
                  uri: \(shared.host):\(shared.port)
                  database: \(shared.database)
                  user: \(try b.env.string("POSTERN_TEST_SHARED_PG_USER"))
                  auth: password
                  password_file: \(b.secrets)/shared.password
                  tls: {mode: verify-full, ca_cert_file: \(b.root)/ca.crt}
            """
        b.stop()
        try b.writeConfig(users: BastionFixture.defaultUsers)
        let initialised = try Subprocess.run("runuser", ["-u", "postern", "--", b.binary, "audit", "init-shared",
                                                         "--config", b.configPath])
        XCTAssertEqual(initialised.status, 0, initialised.combined)
        try b.startService()

        let marker = "shared_\(UUID().uuidString.prefix(8))"
        let (tunnel, conninfo) = try b.pgTunnel(as: "alice")
        defer { tunnel.signal(SIGTERM); _ = tunnel.wait(timeout: 20) }
        let psql = try b.command(as: "alice", ["psql", "-X", "-At", conninfo, "-c", "select '\(marker)'"])
        XCTAssertEqual(psql.status, 0, psql.combined)

        var carol: [[String: Any]] = []
        XCTAssertTrue(try eventually(timeout: 20) {
            carol = try b.auditEvents(as: "carol")
            return carol.contains { ($0["db_query"] as? String)?.contains(marker) == true }
        }, "the auditor never saw alice's statement in the shared store")
        let query = try XCTUnwrap(carol.first { ($0["db_query"] as? String)?.contains(marker) == true })
        XCTAssertEqual(query["postern_host"] as? String, "bastion-shared-test")
        XCTAssertEqual(query["login"] as? String, "alice")
        // The scope is the same: alice reads only hers, bob none of hers.
        XCTAssertTrue(try b.auditEvents(as: "alice").allSatisfy { $0["user"] as? String == "alice" })
        XCTAssertFalse(try b.auditEvents(as: "bob").contains { ($0["db_query"] as? String)?.contains(marker) == true })
        XCTAssertEqual(try shared.value("select count(*) > 0 from postern_audit_chunks where host = 'bastion-shared-test'"), "t")
        let text = try b.postern(as: "carol", ["audit", "search", "--type", "db.session.query"])
        XCTAssertTrue(text.stdout.contains(" bastion-shared-test db.session.query alice "), text.combined)
        let verify = try b.postern(as: "carol", ["audit", "verify"])
        XCTAssertEqual(verify.status, 0, verify.combined)
    }
}

// A real bastion on this machine: Unix users made with useradd (postern, the service's; alice and
// bob, operators; carol, an auditor; mallory, not in users:), `postern serve` run as postern with
// runuser, and every operator command run as its user with runuser. Needs root (CI and `make
// test` run as root); the test fails, not skips, otherwise.

import Foundation

public struct BastionFixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public final class BastionFixture {
    public static let operators = ["alice", "bob", "carol", "mallory"]

    public let env: ServiceEnvironment
    public let root: String
    public let binary: String
    public let configPath: String
    public let socket: String
    public let storePath: String
    public let secrets: String
    public let serviceLog: String
    public private(set) var service: Subprocess?

    /// Builds the tree, writes the config (`users` as given) and starts the service.
    public init(roles: String = BastionFixture.defaultRoles, users: String = BastionFixture.defaultUsers) throws {
        guard geteuid() == 0 else { throw BastionFixtureError("the bastion tests need root (useradd, runuser); run them as make test does") }
        env = try ServiceEnvironment.load()
        for name in ["postern"] + Self.operators { try Self.ensureUser(name, system: name == "postern") }
        binary = Self.posternBinary()
        var template = Array("/tmp/postern-bastion-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap(mkdtemp) }) else {
            throw BastionFixtureError("mkdtemp failed")
        }
        root = String(cString: made)
        chmod(root, 0o755)
        let etc = root + "/etc", run = root + "/run", state = root + "/state"
        secrets = root + "/secrets"
        configPath = etc + "/postern.yaml"
        socket = run + "/postern.sock"
        storePath = state + "/audit/audit.sqlite"
        serviceLog = root + "/serve.log"
        try Self.mkdir(etc, owner: "root", group: "postern", mode: 0o750)
        try Self.mkdir(etc + "/roles", owner: "root", group: "postern", mode: 0o750)
        try Self.mkdir(run, owner: "postern", group: "postern", mode: 0o755)
        try Self.mkdir(state, owner: "postern", group: "postern", mode: 0o700)
        try Self.mkdir(secrets, owner: "postern", group: "postern", mode: 0o700)
        for (name, key) in [("pg.password", "POSTERN_TEST_PG_ALICE_PASSWORD_FILE"),
                            ("redis.password", "POSTERN_TEST_REDIS_ALICE_PASSWORD_FILE")] {
            try Self.write(try env.secret(key), to: secrets + "/" + name, owner: "postern", group: "postern", mode: 0o600)
        }
        let ca = root + "/ca.crt"
        try Self.write(String(contentsOfFile: try env.string("POSTERN_TEST_CA"), encoding: .utf8), to: ca,
                       owner: "root", group: "root", mode: 0o644)
        try writeRoles(roles)
        try writeConfig(users: users, ca: ca)
        try startService()
    }

    deinit { stop() }

    public static let defaultUsers = """
          - name: alice
            roles: [dev]
          - name: bob
            roles: [dev]
          - name: carol
            roles: [auditor]
        """

    public static let defaultRoles = """
        kind: role
        version: v7
        metadata: {name: dev}
        spec:
          allow:
            db_labels: {env: test}
            db_users: [alice]
            db_names: ['*']
        """

    public func writeRoles(_ text: String) throws {
        try Self.write(text + "\n", to: root + "/etc/roles/dev.yaml", owner: "root", group: "postern", mode: 0o640)
    }

    /// `serve.group`, when the socket should be for one group only.
    public var serveGroup: String?
    /// More of the `audit:` block (lines indented two spaces), e.g. `shared:`.
    public var auditExtra = ""

    public func writeConfig(users: String, ca: String? = nil) throws {
        let ca = ca ?? root + "/ca.crt"
        let group = serveGroup.map { ", group: \($0)" } ?? ""
        let text = """
            cluster_name: bastion-test
            roles_dir: roles
            serve: {socket: \(socket)\(group)}
            users:
            \(users)
            databases:
              - name: pg
                description: the test PostgreSQL
                protocol: postgres
                uri: \(try env.string("POSTERN_TEST_PG_HOST")):\(try env.string("POSTERN_TEST_PG_PORT"))
                static_labels: {env: test}
                tls: {mode: verify-full, ca_cert_file: \(ca)}
                auth: password
                password_file: \(secrets)/pg.password
              - name: cache
                protocol: redis
                uri: \(try env.string("POSTERN_TEST_REDIS_HOST")):\(try env.string("POSTERN_TEST_REDIS_TLS_PORT"))
                static_labels: {env: test}
                tls: {mode: verify-full, ca_cert_file: \(ca)}
                auth: password
                password_file: \(secrets)/redis.password
              - name: hidden
                protocol: postgres
                uri: 127.0.0.1:1
                static_labels: {env: secret}
                auth: password
                password_env: NONE
            audit:
              backend: sqlite
              path: \(storePath)
            \(auditExtra)

            """
        try Self.write(text, to: configPath, owner: "root", group: "postern", mode: 0o640)
    }

    public func startService() throws {
        unlink(socket)
        let p = try Subprocess("runuser", ["-u", "postern", "--", binary, "serve", "--config", configPath, "--threads", "2"],
                               environment: ["HOME": root + "/state"])
        service = p
        let up = eventually(timeout: 30) {
            var st = stat()
            return stat(socket, &st) == 0 || !p.process.isRunning
        }
        // Ready once it says so (the socket file alone may outlive a failed start).
        let ready = eventually(timeout: 30) { p.stderrSoFar.contains("ready") || !p.process.isRunning }
        guard up, ready, p.process.isRunning else {
            throw BastionFixtureError("postern serve did not start: \(p.stderrSoFar)")
        }
    }

    /// The service's pid (runuser's child).
    public var servicePID: Int32? {
        guard let runuser = service?.pid else { return nil }
        let children = (try? String(contentsOfFile: "/proc/\(runuser)/task/\(runuser)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").first.flatMap { Int32($0) }
    }

    public func stop() {
        guard let service else { return }
        if let pid = servicePID { kill(pid, SIGTERM) }
        _ = service.wait(timeout: 20)
        self.service = nil
    }

    public func cleanUp() {
        stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// `postern ARGS` as `user`, with the service's socket named, to completion.
    public func postern(as user: String, _ arguments: [String], environment: [String: String] = [:],
                 timeout: TimeInterval = 60) throws -> SubprocessResult {
        try Subprocess.run("runuser", runuser(user, [binary] + arguments, environment), timeout: timeout)
    }

    /// Any command as `user` (no inherited PG*, HOME set to theirs).
    public func command(as user: String, _ command: [String], environment: [String: String] = [:], stdin: Data? = nil,
                 timeout: TimeInterval = 60) throws -> SubprocessResult {
        try Subprocess.run("runuser", runuser(user, command, environment), stdin: stdin, timeout: timeout)
    }

    public func start(as user: String, _ command: [String], environment: [String: String] = [:]) throws -> Subprocess {
        try Subprocess("runuser", runuser(user, command, environment))
    }

    public func runuser(_ user: String, _ command: [String], _ environment: [String: String]) -> [String] {
        var vars = ["POSTERN_SOCKET=\(socket)", "HOME=/home/\(user)", "XDG_RUNTIME_DIR=", "USER=\(user)"]
        vars += environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return ["-u", user, "--", "/usr/bin/env"] + vars + command
    }

    // MARK: - Machine set-up

    public static func ensureUser(_ name: String, system: Bool) throws {
        if getpwnam(name) != nil { return }
        let args = system ? ["--system", "--user-group", "--home-dir", "/var/lib/postern", "--no-create-home",
                             "--shell", "/usr/sbin/nologin", name]
                          : ["--create-home", "--user-group", "--shell", "/bin/bash", name]
        let r = try Subprocess.run("useradd", args)
        guard r.status == 0 || getpwnam(name) != nil else { throw BastionFixtureError("useradd \(name): \(r.combined)") }
    }

    public static func mkdir(_ path: String, owner: String, group: String, mode: mode_t) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try own(path, owner: owner, group: group, mode: mode)
    }

    public static func write(_ text: String, to path: String, owner: String, group: String, mode: mode_t) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try own(path, owner: owner, group: group, mode: mode)
    }

    public static func own(_ path: String, owner: String, group: String, mode: mode_t) throws {
        guard let pw = getpwnam(owner), let gr = getgrnam(group) else { throw BastionFixtureError("no \(owner):\(group)") }
        guard chown(path, pw.pointee.pw_uid, gr.pointee.gr_gid) == 0, chmod(path, mode) == 0 else {
            throw BastionFixtureError("chown/chmod \(path) failed")
        }
    }

    /// The built binary beside the test bundle.
    public static func posternBinary() -> String {
        var dir = Bundle.main.bundleURL
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            dir = bundle.bundleURL.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("postern").path
    }

    // MARK: - Reading results

    public static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// `audit search --format json` as `user`: the events' dictionaries.
    public func auditEvents(as user: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let r = try postern(as: user, ["audit", "search", "--format", "json", "--limit", "10000"] + extra)
        guard r.status == 0 else { throw BastionFixtureError("audit search as \(user): \(r.combined)") }
        return try Self.json(r.stdout) as? [[String: Any]] ?? []
    }

    /// The first stdout line of a `proxy db --format json` as an object, once printed.
    /// `postern proxy db pg` as `user` through the service: the running tunnel (stop it with
    /// SIGTERM) and a libpq conninfo for its private socket.
    public func pgTunnel(as user: String) throws -> (tunnel: Subprocess, conninfo: String) {
        let database = try env.string("POSTERN_TEST_PG_DATABASE")
        let tunnel = try start(as: user, [binary, "proxy", "db", "pg", "--db-user", user, "--db-name", database,
                                          "--format", "json"])
        guard let host = try Self.waitForBanner(tunnel)["host"] as? String else {
            tunnel.signal(SIGTERM)
            throw BastionFixtureError("the tunnel printed no host: \(tunnel.stdoutSoFar)")
        }
        return (tunnel, "host=\(host) port=5432 user=\(user) dbname=\(database)")
    }

    public static func waitForBanner(_ process: Subprocess) throws -> [String: Any] {
        var line = ""
        let ok = eventually(timeout: 30) {
            line = process.stdoutSoFar
            return line.contains("\n") || !process.process.isRunning
        }
        guard ok, let first = line.split(separator: "\n").first,
              let object = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        else {
            throw BastionFixtureError("no banner: \(process.stdoutSoFar) \(process.stderrSoFar)")
        }
        return object
    }
}

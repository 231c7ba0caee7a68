import PosternCore
import XCTest

final class ConfigLoaderTests: XCTestCase {
    static let minimal = """
    cluster_name: test
    users:
      - name: alice
        roles: [dev]
        traits: {db_users: [reader, writer], db_names: app}
    roles:
      - kind: role
        version: v7
        metadata: {name: dev}
        spec:
          allow:
            db_labels: {env: dev}
            db_users: ['{{internal.db_users}}']
    databases:
      - name: pg1
        protocol: postgres
        uri: 127.0.0.1:5432
        static_labels: {env: dev}
        auth: password
        password_file: secrets/pg1
    """

    func load(_ text: String, mode: UInt32 = 0o644, extra: (inout InMemoryFileSystem) -> Void = { _ in })
        throws -> ConfigLoader.Loaded {
        var fs = InMemoryFileSystem()
        fs.file("/etc/postern/postern.yaml", text, mode: mode)
        extra(&fs)
        return try ConfigLoader(fs: fs).load("/etc/postern/postern.yaml")
    }

    func loadError(_ text: String, mode: UInt32 = 0o644, extra: (inout InMemoryFileSystem) -> Void = { _ in })
        -> ConfigError? {
        do {
            _ = try load(text, mode: mode, extra: extra)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            XCTFail("unexpected error \(error)")
            return nil
        }
    }

    func testMinimalConfigDecodes() throws {
        let loaded = try load(Self.minimal)
        let config = loaded.config
        XCTAssertEqual(config.clusterName, "test")
        XCTAssertEqual(config.users, [PosternUser(name: "alice", roles: ["dev"],
                                                  traits: ["db_users": ["reader", "writer"], "db_names": ["app"]])])
        XCTAssertEqual(config.roles.map(\.name), ["dev"])
        XCTAssertEqual(config.roles[0].allow.dbLabels, LabelSelector(["env": ["dev"]]))
        XCTAssertEqual(config.databases.count, 1)
        XCTAssertEqual(config.databases[0].auth, .password(.file("/etc/postern/secrets/pg1")))
        XCTAssertEqual(config.databases[0].type, .selfHosted)
        XCTAssertEqual(loaded.ownerUID, 1000)
    }

    func testUnknownTopLevelKeyNamesFileLineAndKey() {
        let e = loadError(Self.minimal + "\ndatabses: []\n")
        XCTAssertEqual(e?.file, "/etc/postern/postern.yaml")
        XCTAssertEqual(e?.line, 21)
        XCTAssertEqual(e?.message, "unknown key \"databses\" in the top level")
        XCTAssertEqual(e?.description, "/etc/postern/postern.yaml:21: unknown key \"databses\" in the top level")
    }

    func testUnknownRoleKeyNamesPath() {
        let text = Self.minimal.replacingOccurrences(of: "db_labels: {env: dev}", with: "db_lables: {env: dev}")
        let e = loadError(text)
        XCTAssertEqual(e?.line, 12)
        XCTAssertEqual(e?.message, "unknown key \"db_lables\" in roles[0].spec.allow")
    }

    func testTeleportRoleFieldsPostermDoesNotUseAreIgnored() throws {
        let text = Self.minimal.replacingOccurrences(of: "        db_labels: {env: dev}\n", with: """
                db_labels: {env: dev}
                logins: [root]
                node_labels: {'*': '*'}
                rules: [{resources: [session], verbs: [read]}]
              options:
                max_session_ttl: 8h

        """)
        XCTAssertTrue(text.contains("max_session_ttl"))
        let config = try load(text).config
        XCTAssertEqual(config.roles[0].allow.dbLabels, LabelSelector(["env": ["dev"]]))
    }

    func testUnsupportedDatabaseRoleFieldIsRefused() {
        let text = Self.minimal.replacingOccurrences(of: "db_labels: {env: dev}",
                                                     with: "db_labels_expression: 'labels.env == \"dev\"'")
        XCTAssertEqual(loadError(text)?.message,
                       "roles[0].spec.allow.db_labels_expression is not supported by Postern; use db_labels, db_users and db_names")
    }

    func testBadLabelRegexIsAConfigErrorWithLine() {
        let text = Self.minimal.replacingOccurrences(of: "db_labels: {env: dev}", with: "db_labels: {env: '^(dev$'}")
        let e = loadError(text)
        XCTAssertEqual(e?.line, 12)
        XCTAssertEqual(e?.message, "roles[0].spec.allow.db_labels.env: invalid regular expression \"^(dev$\"")
    }

    func testBadTraitTemplateIsAConfigError() {
        let text = Self.minimal.replacingOccurrences(of: "'{{internal.db_users}}'", with: "'{{internal.db_users'")
        XCTAssertEqual(loadError(text)?.message,
                       "roles[0].spec.allow.db_users: invalid trait template \"{{internal.db_users\": missing \"}}\"")
    }

    func testGroupWritableConfigIsRefused() {
        let e = loadError(Self.minimal, mode: 0o664)
        XCTAssertEqual(e?.description, "/etc/postern/postern.yaml: refusing to start: writable by group or others (mode 0664), so anyone could grant themselves access; run: chmod go-w /etc/postern/postern.yaml")
    }

    func testWorldWritableRolesDirAndRoleFileAreRefused() {
        let text = Self.minimal + "\nroles_dir: roles.d\n"
        let role = "kind: role\nversion: v6\nmetadata: {name: ops}\n"
        let dir = loadError(text) { fs in
            fs.directory("/etc/postern/roles.d", mode: 0o777)
            fs.file("/etc/postern/roles.d/ops.yaml", role)
        }
        XCTAssertEqual(dir?.file, "/etc/postern/roles.d")
        XCTAssertTrue(dir?.message.hasPrefix("refusing to start: writable by group or others (mode 0777)") ?? false)
        let file = loadError(text) { fs in
            fs.directory("/etc/postern/roles.d")
            fs.file("/etc/postern/roles.d/ops.yaml", role, mode: 0o620)
        }
        XCTAssertEqual(file?.file, "/etc/postern/roles.d/ops.yaml")
    }

    func testRolesDirReadsEveryYAMLFileAndEveryDocument() throws {
        let text = Self.minimal + "\nroles_dir: roles.d\n"
        let config = try load(text) { fs in
            fs.directory("/etc/postern/roles.d")
            fs.file("/etc/postern/roles.d/a.yaml", """
            kind: role
            version: v7
            metadata: {name: a}
            spec: {allow: {db_labels: {'*': '*'}, db_users: '*'}}
            ---
            kind: role
            version: v5
            metadata: {name: b}
            spec: {deny: {db_users: [root]}}
            """)
            fs.file("/etc/postern/roles.d/c.yaml", "kind: role\nversion: v8\nmetadata: {name: c}\n")
            fs.file("/etc/postern/roles.d/notes.txt", "not a role")
        }.config
        XCTAssertEqual(config.roles.map(\.name), ["dev", "a", "b", "c"])
        XCTAssertEqual(config.roles[1].allow.dbUsers, ["*"])
        XCTAssertEqual(config.roles[2].deny.dbUsers, ["root"])
    }

    func testRoleFileErrorsNameTheRoleFile() {
        let text = Self.minimal + "\nroles_dir: roles.d\n"
        let e = loadError(text) { fs in
            fs.directory("/etc/postern/roles.d")
            fs.file("/etc/postern/roles.d/a.yaml", "kind: role\nversion: v7\nmetadata: {name: a}\n---\nkind: user\nversion: v2\n")
        }
        XCTAssertEqual(e?.description, "/etc/postern/roles.d/a.yaml:5: kind \"user\" is not supported here; only kind: role")
    }

    func testMissingAndMalformedFilesGiveOneLineErrors() {
        var fs = InMemoryFileSystem()
        fs.directory("/etc/postern")
        XCTAssertThrowsError(try ConfigLoader(fs: fs).load("/nope.yaml")) { error in
            XCTAssertEqual("\(error)", "/nope.yaml: config file not found (set --config or POSTERN_CONFIG)")
        }
        let e = loadError("users: [\n  - name: x\n")
        XCTAssertEqual(e?.file, "/etc/postern/postern.yaml")
        XCTAssertTrue(e?.message.hasPrefix("malformed YAML:") ?? false, "\(String(describing: e))")
        XCTAssertFalse(e?.description.contains("\n") ?? true)
        XCTAssertEqual(loadError("")?.message, "the file is empty")
    }

    func testUnsupportedRoleVersionAndKindMissingName() {
        let v3 = Self.minimal.replacingOccurrences(of: "version: v7", with: "version: v3")
        XCTAssertEqual(loadError(v3)?.message, "role version \"v3\" is not supported (use v5, v6, v7 or v8)")
        let noName = Self.minimal.replacingOccurrences(of: "metadata: {name: dev}", with: "metadata: {description: x}")
        XCTAssertEqual(loadError(noName)?.message, "roles[0].metadata needs a name")
    }

    func testUserWithUnknownRoleIsAnError() {
        let text = Self.minimal.replacingOccurrences(of: "roles: [dev]", with: "roles: [dev, ops]")
        XCTAssertEqual(loadError(text)?.message, "user \"alice\" has unknown role \"ops\"")
    }

    func testPresetAccessRoleStandsInUnlessDefined() throws {
        let text = Self.minimal.replacingOccurrences(of: "roles: [dev]", with: "roles: [access]")
        let config = try load(text).config
        let user = try XCTUnwrap(config.user(named: "alice"))
        XCTAssertEqual(try config.roles(for: user), [Role.presetAccess])
    }

    func testDuplicateNamesAreErrors() {
        let dupDB = Self.minimal + """

          - name: pg1
            protocol: redis
            uri: 127.0.0.1:6379
            auth: password
            password_env: REDIS_PASSWORD
        """
        XCTAssertEqual(loadError(dupDB)?.message, "database \"pg1\" is defined twice")
        let dupKey = Self.minimal.replacingOccurrences(of: "cluster_name: test", with: "cluster_name: test\ncluster_name: again")
        XCTAssertNotNil(loadError(dupKey))
    }
}

import PosternTestSupport

/// A config's `databases:` entry for the services' PostgreSQL or Redis (TLS verify-full, the
/// password in the file `passwordKey` names), indented for the list: put it at a line's start.
enum ServiceDatabaseYAML {
    static func postgres(_ env: ServiceEnvironment, name: String, passwordKey: String) throws -> String {
        entry(name: name, protocol: "postgres",
              uri: "\(try env.string("POSTERN_TEST_PG_HOST")):\(try env.string("POSTERN_TEST_PG_PORT"))",
              ca: try env.string("POSTERN_TEST_PG_CA"), passwordFile: try env.string(passwordKey))
    }

    static func redis(_ env: ServiceEnvironment, name: String, passwordKey: String) throws -> String {
        entry(name: name, protocol: "redis",
              uri: "\(try env.string("POSTERN_TEST_REDIS_HOST")):\(try env.string("POSTERN_TEST_REDIS_TLS_PORT"))",
              ca: try env.string("POSTERN_TEST_REDIS_CA"), passwordFile: try env.string(passwordKey))
    }

    /// A whole config: this OS login as a Postern user reaching the services' Redis as `alice`
    /// (database `cache`), auditing to `store` with `auditExtra` (e.g. `, redis_values: redacted`).
    static func aliceRedisConfig(_ env: ServiceEnvironment, cluster: String, store: String, auditExtra: String = "") throws -> String {
        """
        cluster_name: \(cluster)
        users:
          - name: \(KillNineTests.login())
            roles: [access]
            traits: {db_users: [alice]}
        databases:
        \(try redis(env, name: "cache", passwordKey: "POSTERN_TEST_REDIS_ALICE_PASSWORD_FILE"))
        audit: {backend: sqlite, path: \(store)\(auditExtra)}

        """
    }

    private static func entry(name: String, protocol proto: String, uri: String, ca: String, passwordFile: String) -> String {
        """
          - name: \(name)
            protocol: \(proto)
            uri: \(uri)
            tls: {mode: verify-full, ca_cert_file: \(ca)}
            auth: password
            password_file: \(passwordFile)
        """
    }
}

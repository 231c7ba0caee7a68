import Foundation

/// A fresh database on the shared audit store's cluster (scripts/services' `pg-shared`), dropped
/// by `drop()`; `yaml` is the `audit.shared` block that points at it.
public struct SharedStoreFixture {
    public let env: ServiceEnvironment
    public let database: String

    public init(_ env: ServiceEnvironment) throws {
        self.env = env
        database = "postern_shared_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10)
        let created = try psql("create database \(database)")
        guard created.status == 0 else { throw FixtureError("cannot create \(database): \(created.combined)") }
    }

    public var host: String { (try? env.string("POSTERN_TEST_SHARED_PG_HOST")) ?? "127.0.0.1" }
    public var port: String { (try? env.string("POSTERN_TEST_SHARED_PG_PORT")) ?? "" }

    /// psql as the shipper login, on its own database unless `database` is given.
    public func psql(_ sql: String, database: String? = nil) throws -> SubprocessResult {
        let name = try database ?? env.string("POSTERN_TEST_SHARED_PG_DATABASE")
        let conninfo = "host=\(host) port=\(port) dbname=\(name)"
            + " user=\(try env.string("POSTERN_TEST_SHARED_PG_USER")) sslmode=verify-full"
            + " sslrootcert=\(try env.string("POSTERN_TEST_SHARED_PG_CA")) connect_timeout=10"
        return try Subprocess.run("psql", [conninfo, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                  environment: ["PGPASSWORD": try env.secret("POSTERN_TEST_SHARED_PG_PASSWORD_FILE")])
    }

    /// A query's single value, on the fixture's database.
    public func value(_ sql: String) throws -> String {
        try psql(sql, database: database).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `audit.shared`, indented for a block under `audit:` (two spaces).
    public func yaml() throws -> String {
        """
          shared:
            postgres:
              uri: \(host):\(port)
              database: \(database)
              user: \(try env.string("POSTERN_TEST_SHARED_PG_USER"))
              auth: password
              password_file: \(try env.string("POSTERN_TEST_SHARED_PG_PASSWORD_FILE"))
              tls: {mode: verify-full, ca_cert_file: \(try env.string("POSTERN_TEST_SHARED_PG_CA"))}
        """
    }

    /// The same as a YAML flow mapping: `shared: {postgres: {…}}`, for an inline `audit: {…}`.
    public func inlineYAML() throws -> String {
        "shared: {postgres: {uri: \"\(host):\(port)\", database: \(database), user: \(try env.string("POSTERN_TEST_SHARED_PG_USER")), "
            + "auth: password, password_file: \(try env.string("POSTERN_TEST_SHARED_PG_PASSWORD_FILE")), "
            + "tls: {mode: verify-full, ca_cert_file: \(try env.string("POSTERN_TEST_SHARED_PG_CA"))}}}"
    }

    /// Stops or starts the whole cluster (an outage of the shared store).
    public func cluster(_ action: String) throws {
        let result = try Subprocess.run(try env.string("POSTERN_TEST_SERVICES_SCRIPT"), ["\(action)-shared"], timeout: 120)
        guard result.status == 0 else { throw FixtureError("scripts/services \(action)-shared failed: \(result.combined)") }
    }

    public func drop() {
        _ = try? psql("drop database if exists \(database) with (force)")
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

import Foundation
import NIOCore
import PosternCore

/// Opens an authenticated admin connection to a managed database: the `managed_users` admin user,
/// with its password from `admin_password_file` / `admin_password_env`.
public struct RedisAdminConnector: Sendable {
    public var group: any EventLoopGroup
    public var environment: [String: String]
    public var timeout: Duration

    public init(group: any EventLoopGroup, environment: [String: String] = ProcessInfo.processInfo.environment,
                timeout: Duration = RedisAdminClient.defaultTimeout) {
        self.group = group
        self.environment = environment
        self.timeout = timeout
    }

    public func connect(_ db: Database) async throws -> RedisAdminClient {
        guard let managed = db.redis.managedUsers else {
            throw UpstreamCredentialError("database \(quoted(db.name)) has no redis.managed_users block")
        }
        // The admin password is read as any configured password is (same files, same errors).
        let login = UpstreamLogin(user: managed.adminUser,
                                  password: try UpstreamPassword.read(managed.adminPassword, database: db.name,
                                                                      environment: environment))
        let target = try UpstreamTarget.make(for: db, defaultPort: RedisEngine.defaultPort)
        do {
            return try await RedisAdminClient.signIn(to: target, on: group, user: login.user, password: login.password,
                                                     timeout: timeout)
        } catch {
            throw UpstreamCredentialError("the managed-users admin \(quoted(managed.adminUser)) cannot sign in to "
                + "\(quoted(db.name)): \(error)")
        }
    }
}

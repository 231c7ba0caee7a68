import Foundation
import PosternCore

/// The contract between the Redis engine and the ways it signs in upstream.
///
/// The engine asks a `RedisLoginSource` once per upstream connection (after RBAC was checked
/// again) and sends `AUTH user password` over TLS with the answer; it never logs or audits the
/// password. `UpstreamLogin` is the proxy's shared login type, so any `UpstreamCredentialSource`
/// (IAM tokens, managed passwords) becomes a Redis login source by conforming.
///
/// Stable API (other parts build on it):
/// - `RedisLoginSource.login(for:)`: async, throws `UpstreamCredentialError` (its text reaches
///   the client as `-ERR …`, so it must never hold a secret).
/// - `RedisSignIn`: picks the source by the database's `auth:` — `password` (built in),
///   `iam` and `managed` (plugged in by whoever builds the engine).
public protocol RedisLoginSource: Sendable {
    func login(for route: Route) async throws -> RedisLogin
}

/// Redis signs in as an ACL user with a password or token: the proxy's `UpstreamLogin`.
public typealias RedisLogin = UpstreamLogin

/// The database's configured sign-in, dispatched on `auth:`.
public struct RedisSignIn: RedisLoginSource {
    /// ElastiCache / MemoryDB IAM tokens, when this build has them.
    public var iam: (any RedisLoginSource)?
    /// Managed users' rotated passwords, when this build has them.
    public var managed: (any RedisLoginSource)?
    public var environment: [String: String]

    public init(iam: (any RedisLoginSource)? = nil, managed: (any RedisLoginSource)? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.iam = iam
        self.managed = managed
        self.environment = environment
    }

    public func login(for route: Route) async throws -> RedisLogin {
        let db = route.database
        switch db.auth {
        case .password(let source):
            return try UpstreamPassword.login(for: route, source: source, environment: environment)
        case .iam:
            guard let iam else {
                throw UpstreamCredentialError("IAM sign-in to \(quoted(db.name)) is not available in this build")
            }
            return try await iam.login(for: route)
        case .managed:
            guard let managed else {
                throw UpstreamCredentialError("managed users of \(quoted(db.name)) are not available in this build")
            }
            return try await managed.login(for: route)
        }
    }
}

/// The command policy seam: the relay asks the session's gate about every command before it is
/// audited and forwarded. A gate is made once per upstream connection (roles may have changed).
public protocol RedisCommandGate: Sendable {
    /// nil lets the command run; otherwise the error line the client gets instead (without the
    /// leading `-`, e.g. `NOPERM this user has no permissions to run the 'flushall' command`).
    /// `argv[0]` is the command name as the client sent it.
    func check(_ argv: [String]) -> String?
}

/// Makes each session's gate when it connects upstream.
public protocol RedisCommandGateSource: Sendable {
    func gate(for route: Route, authorizer: any RouteAuthorizer) async -> any RedisCommandGate
}

/// The default: every command may run.
public struct AllowAllRedisCommands: RedisCommandGate, RedisCommandGateSource {
    public init() {}
    public func check(_ argv: [String]) -> String? { nil }
    public func gate(for route: Route, authorizer: any RouteAuthorizer) async -> any RedisCommandGate { self }
}

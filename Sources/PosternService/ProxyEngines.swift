import NIOCore
import PosternAWS
import PosternCore
import PosternProxy

/// The engines a proxy serving `database` runs, for `proxy db` and the console alike: Redis signs
/// in by IAM token, managed user (Secrets Manager) or password, as configured, and its commands
/// pass the role's and config's deny lists, checked against Redis's own ACL categories.
public struct ProxyEngines: Sendable {
    public let registry: EngineRegistry
    /// Rotates the database's managed users when the caller runs it (`proxy db` does).
    public let rotator: ManagedUserRotator?

    public init(for database: Database, chain: AWSSessionChain, transport: any AWSTransport, group: any EventLoopGroup,
         environment: [String: String], redisValues: AuditConfig.RedisValues, cancelKeys: PGCancelKeys,
         onRotation: @escaping @Sendable (ManagedUserRotator.Event) -> Void = { _ in }) async throws {
        var logins = RedisSignIn(environment: environment)
        var rotator: ManagedUserRotator?
        if database.protocol == .redis {
            let aws = try await RedisAWSSignIn(database: database, chain: chain, transport: transport, group: group,
                                               environment: environment, onEvent: onRotation)
            logins = aws.signIn
            rotator = aws.rotator
        }
        let redis = RedisEngine(logins: logins, gates: RedisCommandPolicies(login: logins, group: group), values: redisValues)
        registry = EngineRegistry([PostgresEngine(cancelKeys: cancelKeys), redis])
        self.rotator = rotator
    }

    /// The engine of each protocol this build has, for what needs no instance (the bastion relay's
    /// refusals). A new `DatabaseProtocol` case does not compile until it is added here.
    public static func engineType(for proto: DatabaseProtocol) -> any ProxyEngine.Type {
        switch proto {
        case .postgres: PostgresEngine.self
        case .redis: RedisEngine.self
        }
    }
}

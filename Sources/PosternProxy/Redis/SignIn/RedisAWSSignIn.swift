import Foundation
import NIOCore
import PosternAWS
import PosternCore

/// Redis sign-in with everything AWS plugged in, for a process that serves `database`: IAM tokens
/// from the credential chain, managed users' passwords from Secrets Manager (in the database's
/// region, else the process's), and the rotator when the database has `redis.managed_users`.
public struct RedisAWSSignIn: Sendable {
    public let signIn: RedisSignIn
    /// Run it (`await rotator.run([database])`) for as long as the process serves the database.
    public let rotator: ManagedUserRotator?

    public init(database: Database, chain: AWSSessionChain, transport: any AWSTransport, group: any EventLoopGroup,
                environment: [String: String], onEvent: @escaping @Sendable (ManagedUserRotator.Event) -> Void = { _ in })
        async throws
    {
        var managed: RedisManagedLogins?
        var rotator: ManagedUserRotator?
        if database.auth == .managed {
            guard let region = SecretsManagerPasswordStore.region(for: database, environment: environment) else {
                throw UpstreamCredentialError("managed users of \(quoted(database.name)) need a region for Secrets Manager "
                    + "(aws.region, AWS_REGION or AWS_DEFAULT_REGION)")
            }
            let client = try AWSServiceClient(service: .secretsManager, region: region, environment: environment,
                                              credentials: try await chain.credentials(for: database), transport: transport)
            let store = SecretsManagerPasswordStore(api: SecretsManagerAPI(client: client))
            managed = RedisManagedLogins(store: store)
            if database.redis.managedUsers != nil {
                rotator = ManagedUserRotator(store: store, admin: RedisAdminConnector(group: group, environment: environment),
                                             onEvent: onEvent)
            }
        }
        signIn = RedisSignIn(iam: RedisIAMLogins(aws: SessionChainAWSCredentials(chain)), managed: managed,
                             environment: environment)
        self.rotator = rotator
    }
}

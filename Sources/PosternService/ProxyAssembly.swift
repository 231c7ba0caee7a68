import Logging
import NIOCore
import NIOPosix
import PosternAWS
import PosternAudit
import PosternCore
import PosternProxy

/// The proxy put together (engines, upstream sign-in, audit, event loops), once, for the console,
/// `proxy db` and the bastion service alike: each asks it for a server for a database and listens
/// or hands connections to it.
public final class ProxyAssembly: Sendable {
    public let clusterName: String
    public let group: MultiThreadedEventLoopGroup
    public let sink: AuditSessionSink
    public let signIn: DatabaseSignIn
    let transport: AWSHTTPTransport
    let chain: AWSSessionChain
    let environment: [String: String]
    let redisValues: AuditConfig.RedisValues
    /// PostgreSQL cancel keys, for every server built here (see `PostgresEngine.cancelKeys`).
    let cancelKeys = PGCancelKeys()
    /// Ships the store to `audit.shared` while this assembly runs (the console, a tunnel and the
    /// service alike: whichever of them holds the store's ship lock ships it).
    public let shipper: AuditShipper?
    /// How the shared audit store is reached, when the config names one (the service reads it).
    public let sharedAccess: SharedAuditAccess?

    /// `threads`: event loops (one per core for tunnels and the service; one for the console).
    public init(config: PosternConfig, store: AuditStore, environment: [String: String], threads: Int,
                fallbackRegion: String? = nil) {
        clusterName = config.clusterName
        redisValues = config.audit.redisValues
        self.environment = environment
        sink = AuditSessionSink(store)
        (signIn, chain, transport) = Self.signIn(environment: environment, fallbackRegion: fallbackRegion)
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        if let shared = config.audit.shared {
            let access = SharedAuditAccess(config: shared, host: SharedAuditAccess.hostName(config.audit), signIn: signIn)
            sharedAccess = access
            // POSTERN_AUDIT_SHIP_BATCH: chunks per shipping transaction (tests; at most the default).
            let batch = environment["POSTERN_AUDIT_SHIP_BATCH"].flatMap { Int($0) } ?? AuditShipper.defaultBatchChunks
            shipper = AuditShipper(store: store, host: access.host, spec: { try access.blockingSpec() },
                                   logger: Logger(label: "postern.audit.ship"), budgetBytes: config.audit.diskBudgetBytes,
                                   retentionDays: shared.retentionDays, keepLocalDays: shared.keepLocalDays, batchChunks: batch)
            shipper?.start()
        } else {
            shipper = nil
            sharedAccess = nil
        }
    }

    /// Upstream sign-in (passwords, IAM tokens, Redshift credentials) over the AWS credential chain;
    /// the transport is the caller's to shut down.
    public static func signIn(environment: [String: String], fallbackRegion: String? = nil)
        -> (DatabaseSignIn, AWSSessionChain, AWSHTTPTransport)
    {
        let transport = AWSHTTPTransport()
        let base = AWSCredentialChain(environment: environment, transport: transport, fallbackRegion: fallbackRegion)
        let chain = AWSSessionChain(base: base, baseRegion: base.region, environment: environment, transport: transport)
        let signIn = DatabaseSignIn(aws: SessionChainAWSCredentials(chain),
                                    redshift: RedshiftSessionLogins(RedshiftAuth.Session(chain: chain, environment: environment,
                                                                                         transport: transport)),
                                    environment: environment)
        return (signIn, chain, transport)
    }

    /// What the sessions of the servers given it share (one server's in the console and `proxy db`,
    /// every server's in the bastion service); `credentials` wraps the sign-in (the console reports
    /// its steps).
    public func services(credentials: ((any UpstreamCredentialSource) -> any UpstreamCredentialSource)? = nil)
        -> ProxyServices
    {
        ProxyServices(clusterName: clusterName, sink: sink, credentials: credentials?(signIn) ?? signIn)
    }

    /// The engines for `database` (Redis sign-in and deny lists are per database).
    public func engines(for database: Database,
                        onRotation: @escaping @Sendable (ManagedUserRotator.Event) -> Void = { _ in }) async throws
        -> ProxyEngines
    {
        try await ProxyEngines(for: database, chain: chain, transport: transport, group: group,
                               environment: environment, redisValues: redisValues, cancelKeys: cancelKeys,
                               onRotation: onRotation)
    }

    /// A server for `database`, with its engines (whose rotator, if any, the caller runs).
    public func server(for database: Database, services: ProxyServices,
                       onRotation: @escaping @Sendable (ManagedUserRotator.Event) -> Void = { _ in }) async throws
        -> (ProxyServer, ProxyEngines)
    {
        let engines = try await engines(for: database, onRotation: onRotation)
        return (ProxyServer(group: group, services: services, registry: engines.registry), engines)
    }

    /// Stops shipping, the event loops and the AWS client (after the servers are shut down).
    public func shutdown() async {
        shipper?.stop()
        try? await group.shutdownGracefully()
        try? await transport.shutdown()
    }
}

/// Discovery's AWS clients: the ambient credentials (usually `AWSCredentialChain`), or a
/// matcher's `assume_role_arn` assumed with them (one cached provider per role and region).
public actor AWSDiscoveryClientFactory: AWSDiscoveryClients {
    private let base: any AWSCredentialsProvider
    private let environment: [String: String]
    private let transport: any AWSTransport
    private let sessionName: String
    private var roles: [RoleKey: AWSAssumeRoleProvider] = [:]
    private var accounts: [RoleKey: String] = [:]

    private struct RoleKey: Hashable {
        var region: String
        var roleARN: String
        var externalID: String
    }

    public init(base: any AWSCredentialsProvider, environment: [String: String], transport: any AWSTransport,
                sessionName: String = "postern-discovery") {
        self.base = base
        self.environment = environment
        self.transport = transport
        self.sessionName = sessionName
    }

    private func credentials(region: String, assumeRoleARN: String, externalID: String) throws
        -> any AWSCredentialsProvider
    {
        guard !assumeRoleARN.isEmpty else { return base }
        let key = RoleKey(region: region, roleARN: assumeRoleARN, externalID: externalID)
        if let provider = roles[key] { return provider }
        let request = AWSAssumeRoleRequest(
            roleARN: assumeRoleARN, sessionName: sessionName, externalID: externalID.isEmpty ? nil : externalID)
        let provider = try AWSAssumeRoleProvider(
            request: request, source: base, region: region, environment: environment, transport: transport)
        roles[key] = provider
        return provider
    }

    public func client(for service: AWSService, region: String, assumeRoleARN: String, externalID: String) throws
        -> AWSServiceClient
    {
        try AWSServiceClient(
            service: service, region: region, environment: environment,
            credentials: try credentials(region: region, assumeRoleARN: assumeRoleARN, externalID: externalID),
            transport: transport)
    }

    public func accountID(region: String, assumeRoleARN: String, externalID: String) async -> String? {
        if let arn = AWSARN(assumeRoleARN), !arn.accountID.isEmpty { return arn.accountID }
        let key = RoleKey(region: region, roleARN: assumeRoleARN, externalID: externalID)
        if let known = accounts[key] { return known }
        guard let provider = try? credentials(region: region, assumeRoleARN: assumeRoleARN, externalID: externalID),
              let sts = try? AWSSTS(region: region, environment: environment, credentials: provider, transport: transport),
              let identity = try? await sts.getCallerIdentity()
        else { return nil }
        accounts[key] = identity.account
        return identity.account
    }
}

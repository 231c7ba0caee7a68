import Foundation

/// ECS / EKS Pod Identity container credentials: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
/// (on 169.254.170.2) beats `AWS_CONTAINER_CREDENTIALS_FULL_URI`, which must be https or on a
/// loopback or container-metadata host. The Authorization header comes from
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on every fetch; it rotates) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
struct ContainerCredentialLink: CredentialChainLink {
    let name = AWSCredentialSource.Provider.container.rawValue
    /// botocore's container fetcher: 2 s per attempt, 3 attempts.
    static let timeout: Duration = .seconds(2)
    static let attempts = 3
    /// Container metadata hosts plain http may use besides loopback.
    static let containerHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]"]

    func load(_ context: CredentialChainContext) async throws -> CredentialLinkOutcome {
        let endpoint: AWSServiceEndpoint
        let path: String
        if let relative = context.env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            guard let host = AWSServiceEndpoint(url: "http://\(context.containerHost)") else {
                throw AWSCredentialError.invalidConfig("bad container metadata host \(context.containerHost)")
            }
            endpoint = host
            path = relative.hasPrefix("/") ? relative : "/" + relative
        } else if let full = context.env("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            guard let parsed = AWSServiceEndpoint(url: full) else {
                throw AWSCredentialError.invalidConfig("AWS_CONTAINER_CREDENTIALS_FULL_URI=\(full) is not an http(s) URL")
            }
            guard parsed.scheme == "https" || parsed.isLoopback || Self.containerHosts.contains(parsed.host) else {
                throw AWSCredentialError.invalidConfig(
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI=\(full) must use https, or http on a loopback or "
                        + "container metadata host")
            }
            endpoint = AWSServiceEndpoint(scheme: parsed.scheme, host: parsed.host, port: parsed.port)
            path = parsed.path
        } else {
            return .skipped("neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set")
        }
        let token = try authorizationToken(context)
        let request = endpoint.request(
            method: "GET", path: path, headers: token.map { [AWSHeader("Authorization", $0)] } ?? [])
        let response = try await fetch(request, context: context, token: token)
        let credentials = try MetadataCredentialsDocument.parse(response.body, provider: name)
        return .found(AWSResolvedCredentials(credentials: credentials, source: AWSCredentialSource(.container, request.displayTarget)))
    }

    private func authorizationToken(_ context: CredentialChainContext) throws -> String? {
        var token: String?
        if let file = context.env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            guard let text = try context.files.read(file) else {
                throw AWSCredentialError.retrievalFailed(provider: name, reason: "the token file \(file) does not exist")
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            token = context.env("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        }
        if let token, token.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw AWSCredentialError.invalidConfig("the container authorization token contains a line break")
        }
        return token
    }

    private func fetch(_ request: SigV4Request, context: CredentialChainContext, token: String?) async throws
        -> AWSHTTPResponse
    {
        var lastError: any Error = AWSCredentialError.retrievalFailed(provider: name, reason: "no attempt made")
        for _ in 0..<Self.attempts {
            do {
                let response = try await context.transport.send(request, timeout: Self.timeout)
                if response.isSuccess { return response }
                let body = AWSErrorParsing.scrub(
                    AWSErrorParsing.snippet(response.text), secrets: token.map { [$0] } ?? [])
                lastError = AWSCredentialError.retrievalFailed(
                    provider: name, reason: "\(request.displayTarget) answered HTTP \(response.status): \(body)")
                // 4xx will not change on retry.
                if response.status < 500 { break }
            } catch let error as AWSTransportError {
                lastError = AWSCredentialError.retrievalFailed(provider: name, reason: error.description)
            }
        }
        throw lastError
    }
}

import Foundation

/// EC2 instance role credentials over IMDSv2: `PUT /latest/api/token` with
/// `x-aws-ec2-metadata-token-ttl-seconds`, then `GET /latest/meta-data/iam/security-credentials/`
/// for the role name and `…/<role>` for the credentials, each with `x-aws-ec2-metadata-token`.
/// 1 s timeout and 1 attempt unless `AWS_METADATA_SERVICE_TIMEOUT` /
/// `AWS_METADATA_SERVICE_NUM_ATTEMPTS` say otherwise; off with `AWS_EC2_METADATA_DISABLED=true`;
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT` (or the profile's `ec2_metadata_service_endpoint`)
/// replaces the endpoint. Without a token (403/404/405 on the PUT) it falls back to IMDSv1
/// unless `AWS_EC2_METADATA_V1_DISABLED=true`, as botocore does.
struct InstanceMetadataCredentialLink: CredentialChainLink {
    let name = AWSCredentialSource.Provider.instanceMetadata.rawValue
    static let tokenTTLSeconds = "21600"
    static let credentialsPath = "/latest/meta-data/iam/security-credentials/"

    func load(_ context: CredentialChainContext) async throws -> CredentialLinkOutcome {
        if context.env("AWS_EC2_METADATA_DISABLED")?.lowercased() == "true" {
            return .skipped("AWS_EC2_METADATA_DISABLED=true")
        }
        let profile = (try? context.selectedProfile()) ?? nil
        let endpointText = context.env("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            ?? profile?["ec2_metadata_service_endpoint"]
            ?? ((context.env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")?.lowercased() == "ipv6")
                ? "http://[fd00:ec2::254]" : "http://169.254.169.254")
        guard let endpoint = AWSServiceEndpoint(url: endpointText) else {
            throw AWSCredentialError.invalidConfig("the instance metadata endpoint \(endpointText) is not an http(s) URL")
        }
        let timeout = Duration.milliseconds(
            Int((Double(context.env("AWS_METADATA_SERVICE_TIMEOUT") ?? "1") ?? 1) * 1000))
        let attempts = max(1, Int(context.env("AWS_METADATA_SERVICE_NUM_ATTEMPTS") ?? "1") ?? 1)
        let client = MetadataClient(endpoint: endpoint, transport: context.transport, timeout: timeout, attempts: attempts)

        let token: String?
        switch try await client.token() {
        case .token(let value): token = value
        case .unsupported:
            if context.env("AWS_EC2_METADATA_V1_DISABLED")?.lowercased() == "true" {
                return .skipped("\(endpoint) gave no IMDSv2 token and AWS_EC2_METADATA_V1_DISABLED=true")
            }
            token = nil
        case .unreachable(let reason):
            return .skipped("no instance metadata service at \(endpoint): \(reason)")
        }
        let headers = token.map { [AWSHeader("x-aws-ec2-metadata-token", $0)] } ?? []
        let roles = try await client.get(Self.credentialsPath, headers: headers)
        if roles.status == 404 {
            return .skipped("the instance at \(endpoint) has no IAM role attached")
        }
        guard roles.isSuccess,
            let role = roles.text.split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }),
            !role.isEmpty
        else {
            throw AWSCredentialError.retrievalFailed(
                provider: name, reason: "\(endpoint) answered HTTP \(roles.status) for the role name")
        }
        let document = try await client.get(Self.credentialsPath + AWSURIEncoding.encode(role), headers: headers)
        guard document.isSuccess else {
            throw AWSCredentialError.retrievalFailed(
                provider: name, reason: "\(endpoint) answered HTTP \(document.status) for the credentials of role \(role)")
        }
        let credentials = try MetadataCredentialsDocument.parse(document.body, provider: name)
        return .found(
            AWSResolvedCredentials(
                credentials: credentials,
                source: AWSCredentialSource(.instanceMetadata, "role \(role) from \(endpoint)" + (token == nil ? ", IMDSv1" : ""))))
    }
}

/// The HTTP side of IMDS: bounded attempts, transport failures reported as text.
private struct MetadataClient {
    let endpoint: AWSServiceEndpoint
    let transport: any AWSTransport
    let timeout: Duration
    let attempts: Int

    enum TokenResult {
        case token(String)
        case unsupported
        case unreachable(String)
    }

    func token() async throws -> TokenResult {
        let request = endpoint.request(
            method: "PUT", path: "/latest/api/token",
            headers: [AWSHeader("x-aws-ec2-metadata-token-ttl-seconds", InstanceMetadataCredentialLink.tokenTTLSeconds)])
        let response: AWSHTTPResponse
        do {
            response = try await send(request)
        } catch let error as AWSTransportError {
            return .unreachable(error.kind.rawValue + (error.detail.isEmpty ? "" : " (\(error.detail))"))
        }
        switch response.status {
        case 200..<300 where !response.body.isEmpty: return .token(response.text)
        case 403, 404, 405: return .unsupported
        default: return .unreachable("HTTP \(response.status) for the IMDSv2 token")
        }
    }

    func get(_ path: String, headers: [AWSHeader]) async throws -> AWSHTTPResponse {
        do {
            return try await send(endpoint.request(method: "GET", path: path, headers: headers))
        } catch let error as AWSTransportError {
            throw AWSCredentialError.retrievalFailed(
                provider: AWSCredentialSource.Provider.instanceMetadata.rawValue, reason: error.description)
        }
    }

    private func send(_ request: SigV4Request) async throws -> AWSHTTPResponse {
        var attempt = 1
        while true {
            do {
                let response = try await transport.send(request, timeout: timeout)
                if response.status >= 500, attempt < attempts {
                    attempt += 1
                    continue
                }
                return response
            } catch let error as AWSTransportError where attempt < attempts {
                _ = error
                attempt += 1
            }
        }
    }
}

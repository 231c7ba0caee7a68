import Foundation

/// Calls one AWS service in one region: signs with credentials from a provider (SigV4Signer),
/// sends through the shared transport, retries throttling and 5xx answers, and turns error
/// answers into `AWSServiceError`.
public struct AWSServiceClient: Sendable {
    public let service: AWSService
    public let region: String
    public let endpoint: AWSServiceEndpoint
    /// `nil` sends requests unsigned (STS AssumeRoleWithWebIdentity needs no credentials).
    public let credentialsProvider: (any AWSCredentialsProvider)?
    public let transport: any AWSTransport
    /// For one attempt.
    public var timeout: Duration = .seconds(30)
    /// Attempts for retryable failures (throttling, 5xx, no response); 1 means no retry.
    public var maxAttempts = 3
    /// The signing clock; tests pin it.
    public var now: @Sendable () -> Date = { Date() }

    public init(
        service: AWSService, region: String, endpoint: AWSServiceEndpoint,
        credentials: (any AWSCredentialsProvider)?, transport: any AWSTransport
    ) {
        self.service = service
        self.region = region
        self.endpoint = endpoint
        self.credentialsProvider = credentials
        self.transport = transport
    }

    /// Resolves the endpoint from `environment` (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`,
    /// then the regional default).
    public init(
        service: AWSService, region: String, environment: [String: String],
        credentials: (any AWSCredentialsProvider)?, transport: any AWSTransport
    ) throws {
        let endpoint = try AWSEndpoints(environment: environment).endpoint(for: service, region: region)
        self.init(service: service, region: region, endpoint: endpoint, credentials: credentials, transport: transport)
    }

    // MARK: - AWS Query protocol (STS, RDS, ElastiCache, Redshift, IAM)

    /// POSTs `Action`, `Version` and `parameters` as a form and returns the XML body of a 2xx
    /// answer. Parameters keep their order; repeated and list members (`Tags.member.1.Key`) are
    /// spelled out by the caller.
    public func query(action: String, version: String, parameters: [AWSQueryItem] = []) async throws -> [UInt8] {
        let items = [AWSQueryItem("Action", action), AWSQueryItem("Version", version)] + parameters
        let form = items.map { AWSURIEncoding.encode($0.name) + "=" + AWSURIEncoding.encode($0.value) }
            .joined(separator: "&")
        let headers = [AWSHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        return try await send(action: action, headers: headers, body: Array(form.utf8))
    }

    /// `query`, then decodes the `<ActionResult>` element of the `<ActionResponse>` as `T`.
    public func query<T: Decodable>(
        action: String, version: String, parameters: [AWSQueryItem] = [], result: T.Type
    ) async throws -> T {
        let body = try await query(action: action, version: version, parameters: parameters)
        return try AWSXML.decodeQueryResult(T.self, action: action, service: service, from: body)
    }

    // MARK: - AWS JSON 1.1 protocol (Secrets Manager, MemoryDB, Redshift Serverless)

    /// POSTs a JSON body with `X-Amz-Target: <target>` (e.g. `secretsmanager.GetSecretValue`)
    /// and returns the JSON body of a 2xx answer.
    public func json(target: String, body: [UInt8]) async throws -> [UInt8] {
        let action = target.split(separator: ".").last.map(String.init) ?? target
        let headers = [
            AWSHeader("Content-Type", "application/x-amz-json-1.1"),
            AWSHeader("X-Amz-Target", target),
        ]
        return try await send(action: action, headers: headers, body: body.isEmpty ? Array("{}".utf8) : body)
    }

    /// `json`, with the request encoded from and the answer decoded to Codable values.
    public func json<Request: Encodable, Response: Decodable>(
        target: String, request: Request, response: Response.Type
    ) async throws -> Response {
        let body = try await json(target: target, body: Array(try JSONEncoder().encode(request)))
        do {
            return try JSONDecoder().decode(Response.self, from: Data(body))
        } catch {
            throw AWSDecodingError(service: service.id, action: target, detail: "\(error)")
        }
    }

    // MARK: - One signed exchange, with retries

    private func send(action: String, headers: [AWSHeader], body: [UInt8]) async throws -> [UInt8] {
        var attempt = 1
        while true {
            do {
                return try await sendOnce(action: action, headers: headers, body: body)
            } catch {
                guard attempt < maxAttempts, Self.isRetryable(error) else { throw error }
            }
            try await Task.sleep(for: Self.backoff(attempt: attempt))
            attempt += 1
        }
    }

    static func isRetryable(_ error: any Error) -> Bool {
        switch error {
        case let error as AWSServiceError: return error.isRetryable
        case let error as AWSTransportError: return error.kind == .connectionFailed || error.kind == .timedOut
        default: return false
        }
    }

    private func sendOnce(action: String, headers: [AWSHeader], body: [UInt8]) async throws -> [UInt8] {
        var request = SigV4Request(
            method: "POST", scheme: endpoint.scheme, host: endpoint.host, port: endpoint.port,
            path: endpoint.path, headers: headers, body: body)
        var secrets: [String] = []
        if let credentialsProvider {
            let credentials = try await credentialsProvider.credentials()
            secrets = [credentials.secretAccessKey] + (credentials.sessionToken.map { [$0] } ?? [])
            let signer = try SigV4Signer(credentials: credentials, region: region, service: service.signingName)
            request = signer.signHeaders(request, date: now())
        }
        let response = try await transport.send(request, timeout: timeout)
        guard response.isSuccess else {
            throw AWSErrorParsing.parse(response, service: service, action: action, secrets: secrets)
        }
        return response.body
    }

    /// 100 ms, 200 ms, 400 ms … with up to half again of jitter, capped at 5 s.
    static func backoff(attempt: Int) -> Duration {
        let base = min(5_000, 100 << min(attempt - 1, 6))
        return .milliseconds(base + Int.random(in: 0...(base / 2)))
    }
}

/// A 2xx answer whose body was not what the API promises.
public struct AWSDecodingError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    public var service: String
    public var action: String
    public var detail: String

    public init(service: String, action: String, detail: String) {
        self.service = service
        self.action = action
        self.detail = detail
    }

    public var description: String { "\(service) \(action): unexpected answer: \(detail)" }
    public var errorDescription: String? { description }
}

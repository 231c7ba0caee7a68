import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The AsyncHTTPClient transport: one `HTTPClient` for every AWS call of a process.
///
/// Create one at start-up, pass it to every `AWSServiceClient`, and `shutdown()` it once at the
/// end (or use `AWSHTTPTransport.with { … }`, which does). Redirects are never followed (AWS
/// APIs and the metadata services do not redirect; following one could send a signed request,
/// or a metadata token, elsewhere), no proxy is used (IMDS and ECS must be reached directly),
/// and nothing is logged, so neither `Authorization` nor a token can reach a log line.
public final class AWSHTTPTransport: AWSTransport {
    /// Bodies above this are refused rather than buffered; the largest AWS answers Postern reads
    /// (a page of Describe results) are well below it.
    public static let maximumBodySize = 16 * 1024 * 1024

    private let client: HTTPClient

    public init(connectTimeout: Duration = .seconds(10)) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: Self.timeAmount(connectTimeout)),
            proxy: nil
        )
        configuration.httpVersion = .automatic
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes pooled connections; the transport cannot send afterwards. Call exactly once.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// Runs `body` with a fresh transport and shuts it down afterwards, also when `body` throws.
    public static func with<T: Sendable>(_ body: (AWSHTTPTransport) async throws -> T) async throws -> T {
        let transport = AWSHTTPTransport()
        do {
            let result = try await body(transport)
            try await transport.shutdown()
            return result
        } catch {
            try? await transport.shutdown()
            throw error
        }
    }

    public func send(_ request: SigV4Request, timeout: Duration) async throws -> AWSHTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.uppercased())
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        if !request.body.isEmpty || request.method.uppercased() == "POST" || request.method.uppercased() == "PUT" {
            outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let deadline = NIODeadline.now() + Self.timeAmount(timeout)
        do {
            let response = try await client.execute(outgoing, deadline: deadline)
            var buffer = try await response.body.collect(upTo: Self.maximumBodySize)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            return AWSHTTPResponse(
                status: Int(response.status.code),
                headers: response.headers.map { AWSHeader($0.name, $0.value) },
                body: body)
        } catch {
            throw Self.transportError(error, request: request, timeout: timeout)
        }
    }

    // Maps client errors to a short reason; their descriptions never include headers.
    private static func transportError(_ error: any Error, request: SigV4Request, timeout: Duration)
        -> AWSTransportError
    {
        let target = request.displayTarget
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return AWSTransportError(kind: .timedOut, target: target, detail: "no answer within \(timeout)")
            case .invalidURL, .emptyHost, .emptyScheme:
                return AWSTransportError(kind: .invalidRequest, target: target, detail: "\(error)")
            default:
                break
            }
        }
        if error is NIOTooManyBytesError {
            return AWSTransportError(
                kind: .responseTooLarge, target: target, detail: "over \(maximumBodySize) bytes")
        }
        return AWSTransportError(kind: .connectionFailed, target: target, detail: "\(error)")
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

import Foundation

/// One HTTP response from an AWS endpoint, read in full (AWS API answers are small).
public struct AWSHTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [AWSHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [AWSHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as UTF-8 text, for error messages and small documents.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Sends one already-signed request. A protocol so tests can fake AWS and so every AWS call in
/// the process goes through one HTTP client.
public protocol AWSTransport: Sendable {
    /// Sends `request` as is (no redirects followed) and returns the whole response. Throws
    /// `AWSTransportError` when no HTTP response arrives within `timeout`.
    func send(_ request: SigV4Request, timeout: Duration) async throws -> AWSHTTPResponse
}

/// No HTTP response: refused, unreachable, timed out or cut off. Carries the URL without its
/// query (a presigned query holds a signature) and never a header.
public struct AWSTransportError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    public enum Kind: String, Sendable {
        case timedOut = "timed out"
        case connectionFailed = "connection failed"
        case responseTooLarge = "response too large"
        case invalidRequest = "invalid request"
    }

    public var kind: Kind
    /// `scheme://host[:port]/path`.
    public var target: String
    public var detail: String

    public init(kind: Kind, target: String, detail: String) {
        self.kind = kind
        self.target = target
        self.detail = detail
    }

    public var description: String {
        "\(target): \(kind.rawValue)" + (detail.isEmpty ? "" : " (\(detail))")
    }

    public var errorDescription: String? { description }
}

extension SigV4Request {
    /// The URL without its query, safe to show.
    var displayTarget: String { "\(scheme)://\(authority)\(path)" }
}

import Foundation

/// An AWS API answered with an error. Built from the XML (`<ErrorResponse><Error>` or
/// `<Response><Errors><Error>`) or JSON (`__type`, `message`) error body. The message has any
/// secret of the signing credentials removed, and AWS's echo of the canonical request cut off,
/// so the error is safe to log and show.
public struct AWSServiceError: Error, Sendable, Equatable {
    /// The service id, e.g. `STS`.
    public var service: String
    public var action: String
    /// AWS's error code, e.g. `AccessDenied`, `SignatureDoesNotMatch`; `HTTP<status>` when the
    /// body was not an AWS error document.
    public var code: String
    public var message: String
    public var statusCode: Int
    public var requestID: String?

    public init(service: String, action: String, code: String, message: String, statusCode: Int, requestID: String?) {
        self.service = service
        self.action = action
        self.code = code
        self.message = message
        self.statusCode = statusCode
        self.requestID = requestID
    }

    /// Whether retrying the same request later may succeed.
    public var isRetryable: Bool {
        Self.throttlingCodes.contains(code) || [500, 502, 503, 504].contains(statusCode)
    }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "RequestLimitExceeded", "SlowDown", "PriorRequestNotComplete",
    ]

    /// What the operator can do about the common credential failures.
    public var hint: String? {
        switch code {
        case "SignatureDoesNotMatch":
            return "the secret access key does not belong to the access key id, or the clock is off; "
                + "check where the credentials came from (`postern aws whoami`)"
        case "InvalidClientTokenId", "UnrecognizedClientException":
            return "AWS does not know this access key id (deleted, or from another partition)"
        case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
            return "the credentials or the request expired; refresh the session or check the clock"
        case "IncompleteSignature", "MissingAuthenticationToken":
            return "the request was not signed; credentials are missing"
        default:
            return nil
        }
    }
}

extension AWSServiceError: CustomStringConvertible, LocalizedError {
    public var description: String {
        var text = "\(service) \(action) failed: \(code) (HTTP \(statusCode))"
        if !message.isEmpty { text += ": \(message)" }
        if let requestID, !requestID.isEmpty { text += " [request id \(requestID)]" }
        if let hint { text += "; \(hint)" }
        return text
    }

    public var errorDescription: String? { description }
}

import Foundation
import XMLCoder

/// Turns an AWS error answer into an `AWSServiceError`.
enum AWSErrorParsing {
    private struct XMLError: Decodable {
        var Code: String?
        var Message: String?
    }

    private struct XMLErrors: Decodable {
        var Error: [XMLError]?
    }

    // `<ErrorResponse><Error>…</Error><RequestId>` (query APIs) and
    // `<Response><Errors><Error>…</Error></Errors><RequestID>` (EC2-style) decode alike.
    private struct XMLEnvelope: Decodable {
        var Error: XMLError?
        var Errors: XMLErrors?
        var RequestId: String?
        var RequestID: String?
    }

    private struct JSONError: Decodable {
        var __type: String?
        var code: String?
        var message: String?
        var Message: String?
    }

    /// `secrets` are removed from whatever text AWS sent back.
    static func parse(
        _ response: AWSHTTPResponse, service: AWSService, action: String, secrets: [String]
    ) -> AWSServiceError {
        var code: String?
        var message: String?
        var requestID = response.header("x-amzn-RequestId") ?? response.header("x-amz-request-id")
        let data = Data(response.body)
        if let envelope = try? XMLDecoder().decode(XMLEnvelope.self, from: data),
            let error = envelope.Error ?? envelope.Errors?.Error?.first
        {
            code = error.Code
            message = error.Message
            requestID = requestID ?? envelope.RequestId ?? envelope.RequestID
        } else if let json = try? JSONDecoder().decode(JSONError.self, from: data) {
            code = (json.__type ?? json.code).map(shortCode)
            message = json.message ?? json.Message
        }
        if code == nil, let header = response.header("x-amzn-ErrorType") {
            code = shortCode(header)
        }
        let fallback = response.body.isEmpty ? "" : "unexpected answer: " + snippet(response.text)
        return AWSServiceError(
            service: service.id, action: action, code: code ?? "HTTP\(response.status)",
            message: scrub(message ?? fallback, secrets: secrets), statusCode: response.status,
            requestID: requestID)
    }

    /// `com.amazonaws.secretsmanager#ResourceNotFoundException` and
    /// `ResourceNotFoundException:http://…` both mean `ResourceNotFoundException`.
    static func shortCode(_ raw: String) -> String {
        var code = Substring(raw)
        if let hash = code.lastIndex(of: "#") { code = code[code.index(after: hash)...] }
        if let colon = code.firstIndex(of: ":") { code = code[..<colon] }
        return code.trimmingCharacters(in: .whitespaces)
    }

    /// Drops AWS's echo of the canonical request and string to sign (it holds the session token)
    /// and replaces every secret that still occurs.
    static func scrub(_ message: String, secrets: [String]) -> String {
        var text = message
        for marker in ["The Canonical String for this request", "The String-to-Sign should have been"] {
            if let range = text.range(of: marker) {
                text = String(text[..<range.lowerBound])
            }
        }
        for secret in secrets where secret.count >= 8 {
            text = text.replacingOccurrences(of: secret, with: Redacted.marker)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A short, single-line excerpt of a non-AWS body (an HTML error page, say).
    static func snippet(_ text: String) -> String {
        let collapsed = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return collapsed.count > 200 ? String(collapsed.prefix(200)) + "…" : collapsed
    }
}

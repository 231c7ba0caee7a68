/// One HTTP header as sent; names are matched case-insensitively when signing.
public struct AWSHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One query parameter, decoded; the signer percent-encodes it.
public struct AWSQueryItem: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request to sign, described the way it will go on the wire.
public struct SigV4Request: Sendable, Equatable {
    public var method: String
    /// `https` or `http`; decides which port is the default one left out of the signed host.
    public var scheme: String
    /// The host as written in the URL. It is signed lower-cased, as botocore does.
    public var host: String
    /// An explicit port; `nil` for the scheme's default. An explicit default port stays in
    /// `url` but is not signed (the quirk IAM database tokens on port 443 rely on).
    public var port: Int?
    /// The path as sent, already percent-encoded (`/a%20b`). For non-S3 services SigV4
    /// encodes it once more in the canonical request, so `%20` is signed as `%2520`.
    public var path: String
    /// Query parameters in wire order, not yet encoded.
    public var query: [AWSQueryItem]
    public var headers: [AWSHeader]
    public var body: [UInt8]

    public init(
        method: String,
        scheme: String = "https",
        host: String,
        port: Int? = nil,
        path: String = "/",
        query: [AWSQueryItem] = [],
        headers: [AWSHeader] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// `host` plus `:port` when a port was given, as it appears in the URL.
    public var authority: String {
        port.map { "\(host):\($0)" } ?? host
    }

    /// The query string, encoded, in wire order.
    public var encodedQuery: String {
        query.map { AWSURIEncoding.encode($0.name) + "=" + AWSURIEncoding.encode($0.value) }
            .joined(separator: "&")
    }

    /// The full URL text: `scheme://authority/path?query`.
    public var url: String {
        let query = encodedQuery
        return "\(scheme)://\(authority)\(path)" + (query.isEmpty ? "" : "?\(query)")
    }

    /// The first value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Removes every header with this name, matched case-insensitively.
    public mutating func removeHeader(_ name: String) {
        let wanted = name.lowercased()
        headers.removeAll { $0.name.lowercased() == wanted }
    }
}

// A signed request carries a bearer credential (Authorization, a session token, a presigned
// signature), so its printed forms hide those values.
extension SigV4Request: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    static let secretHeaders: Set<String> = ["authorization", "x-amz-security-token"]
    static let secretQueryNames: Set<String> = ["x-amz-security-token", "x-amz-signature"]

    private var redactedQuery: String {
        query.map { item in
            let value = Self.secretQueryNames.contains(item.name.lowercased())
                ? Redacted.marker : AWSURIEncoding.encode(item.value)
            return AWSURIEncoding.encode(item.name) + "=" + value
        }
        .joined(separator: "&")
    }

    private var redactedHeaders: [String] {
        headers.map { header in
            let value = Self.secretHeaders.contains(header.name.lowercased()) ? Redacted.marker : header.value
            return "\(header.name): \(value)"
        }
    }

    public var description: String {
        let query = redactedQuery
        let target = "\(scheme)://\(authority)\(path)" + (query.isEmpty ? "" : "?\(query)")
        return "SigV4Request(\(method) \(target), headers: \(redactedHeaders), body: \(body.count) bytes)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "method": method,
                "url": "\(scheme)://\(authority)\(path)",
                "query": redactedQuery,
                "headers": redactedHeaders,
                "bodyCount": body.count,
            ],
            displayStyle: .struct
        )
    }
}

/// The canonical forms SigV4 hashes, following botocore's SigV4Auth byte for byte.
enum SigV4Canonical {
    /// Hop-by-hop and proxy-mangled headers botocore never signs.
    static let unsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// The signed headers: lower-cased names with their trimmed values, sorted by name.
    /// `host` is added from the URL when the request has no Host header.
    static func headers(of request: SigV4Request) -> [(name: String, value: String)] {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for header in request.headers {
            let name = header.name.lowercased().trimmingPythonWhitespace()
            guard !unsignedHeaders.contains(name) else { continue }
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(header.value.collapsingPythonWhitespace())
        }
        if values["host"] == nil {
            order.append("host")
            values["host"] = [signedHost(of: request)]
        }
        return order.sorted(by: utf8Precedes).map { name in
            (name, values[name, default: []].joined(separator: ","))
        }
    }

    /// The Host value botocore derives from a URL: lower-cased, with the port only when it is
    /// not the scheme's default.
    static func signedHost(of request: SigV4Request) -> String {
        let host = request.host.lowercased()
        guard let port = request.port, port != defaultPort(scheme: request.scheme) else { return host }
        return "\(host):\(port)"
    }

    static func defaultPort(scheme: String) -> Int? {
        switch scheme.lowercased() {
        case "https": return 443
        case "http": return 80
        default: return nil
        }
    }

    /// The path normalised (dot segments and empty segments removed) and then encoded again,
    /// since non-S3 services sign the already-encoded path encoded once more.
    static func path(_ path: String) -> String {
        AWSURIEncoding.encodePath(removeDotSegments(path))
    }

    /// RFC 3986 §5.2.4 plus collapsing `//`, as botocore's normalize_url_path does.
    static func removeDotSegments(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        let leading = path.hasPrefix("/") ? "/" : ""
        let trailing = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return leading + output.joined(separator: "/") + trailing
    }

    /// Encoded `name=value` pairs sorted by encoded name, then encoded value.
    static func query(_ items: [AWSQueryItem]) -> String {
        items.map { (AWSURIEncoding.encode($0.name), AWSURIEncoding.encode($0.value)) }
            .sorted { lhs, rhs in
                lhs.0 == rhs.0 ? utf8Precedes(lhs.1, rhs.1) : utf8Precedes(lhs.0, rhs.0)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Byte order, as Python compares these ASCII strings (Swift's `<` is Unicode-aware).
    static func utf8Precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}

extension Unicode.Scalar {
    /// Python's `str.isspace()`: Unicode White_Space plus the four ASCII separators 0x1C–0x1F.
    var isPythonWhitespace: Bool {
        properties.isWhitespace || (0x1C...0x1F).contains(value)
    }
}

extension String {
    /// `' '.join(value.split())`: trims, and turns each run of whitespace into one space.
    func collapsingPythonWhitespace() -> String {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar.isPythonWhitespace {
                if !current.isEmpty {
                    words.append(String(current))
                    current = String.UnicodeScalarView()
                }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words.joined(separator: " ")
    }

    func trimmingPythonWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isPythonWhitespace }),
            let last = scalars.lastIndex(where: { !$0.isPythonWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}

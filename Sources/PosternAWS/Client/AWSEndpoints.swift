import Foundation

/// Where requests for one service go: scheme, host, optional port and base path.
public struct AWSServiceEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int?
    /// The base path, `/` unless the override URL had one.
    public var path: String

    public init(scheme: String = "https", host: String, port: Int? = nil, path: String = "/") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses an override such as `http://127.0.0.1:50505`; nil unless http(s) with a host.
    public init?(url text: String) {
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty,
            components.user == nil, components.password == nil, components.query == nil
        else { return nil }
        // An IPv6 literal goes back into brackets so `url` stays a URL.
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        self.init(
            scheme: scheme, host: bracketed.lowercased(), port: components.port,
            path: components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath)
    }

    public var url: String {
        "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "") + path
    }

    public var description: String { url }
}

/// Resolves service endpoints the way the AWS SDKs do: `AWS_ENDPOINT_URL_<SERVICE>`, then
/// `AWS_ENDPOINT_URL`, then the regional default (`https://<prefix>.<region>.amazonaws.com`,
/// `.amazonaws.com.cn` in China). `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` turns the overrides
/// off. Tests reach moto_server through the overrides.
public struct AWSEndpoints: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// Why an override could not be used; names the variable, never anything secret.
    public struct InvalidOverride: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
        public var variable: String
        public var value: String
        public var description: String {
            "\(variable)=\(value) is not an http(s) URL with a host (e.g. http://127.0.0.1:50505)"
        }
        public var errorDescription: String? { description }
    }

    public func endpoint(for service: AWSService, region: String) throws -> AWSServiceEndpoint {
        if !ignoresOverrides {
            for variable in ["AWS_ENDPOINT_URL_\(service.environmentSuffix)", "AWS_ENDPOINT_URL"] {
                guard let value = environment[variable], !value.isEmpty else { continue }
                guard let endpoint = AWSServiceEndpoint(url: value) else {
                    throw InvalidOverride(variable: variable, value: value)
                }
                return endpoint
            }
        }
        return Self.defaultEndpoint(for: service, region: region)
    }

    /// Whether the caller set an override for this service (tests and `whoami` show it).
    public func isOverridden(_ service: AWSService) -> Bool {
        guard !ignoresOverrides else { return false }
        return ["AWS_ENDPOINT_URL_\(service.environmentSuffix)", "AWS_ENDPOINT_URL"].contains {
            !(environment[$0] ?? "").isEmpty
        }
    }

    private var ignoresOverrides: Bool {
        environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true"
    }

    public static func defaultEndpoint(for service: AWSService, region: String) -> AWSServiceEndpoint {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return AWSServiceEndpoint(host: "\(service.endpointPrefix).\(region).\(suffix)")
    }
}

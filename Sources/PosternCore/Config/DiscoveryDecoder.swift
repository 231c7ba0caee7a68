/// Decodes `discovery: {aws: [...]}`, Teleport's AWS matcher fields, strictly.
enum DiscoveryDecoder {
    /// Matcher types Teleport knows that Postern does not discover (yet): named in the error so
    /// a copied Teleport config fails with a reason rather than "unknown".
    static let teleportOnlyTypes: Set<String> = [
        "rdsproxy", "redshift-serverless", "opensearch", "docdb", "ec2", "eks", "keyspaces", "dynamodb",
    ]

    static func decode(_ v: YAMLValue) throws(ConfigError) -> DiscoveryConfig {
        let f = try v.mapping(known: ["aws"])
        var config = DiscoveryConfig()
        for item in try f["aws"]?.list() ?? [] {
            config.aws.append(try matcher(item))
        }
        return config
    }

    static func matcher(_ v: YAMLValue) throws(ConfigError) -> AWSMatcher {
        let f = try v.mapping(known: ["types", "regions", "tags", "assume_role_arn", "external_id"])
        let types = try matcherTypes(f["types"], in: v)
        let regions = try f.strings("regions")
        guard !regions.isEmpty else { throw v.error("\(v.path).regions: at least one region is required") }
        for region in regions where !isRegion(region) {
            let hint = region == "*" ? " (list the regions: Postern does not enumerate them)" : ""
            throw (f["regions"] ?? v).error("\(v.path).regions: \(quoted(region)) is not an AWS region\(hint)")
        }
        var matcher = AWSMatcher(types: types, regions: regions)
        if let tags = f["tags"] { matcher.tags = try selector(tags) }
        matcher.assumeRoleARN = try f.string("assume_role_arn")
        matcher.externalID = try f.string("external_id")
        if !matcher.assumeRoleARN.isEmpty, !matcher.assumeRoleARN.hasPrefix("arn:") {
            throw (f["assume_role_arn"] ?? v).error("\(v.path).assume_role_arn must be an IAM role ARN")
        }
        if matcher.assumeRoleARN.isEmpty, !matcher.externalID.isEmpty {
            throw (f["external_id"] ?? v).error("\(v.path).external_id needs assume_role_arn")
        }
        return matcher
    }

    static func matcherTypes(_ value: YAMLValue?, in v: YAMLValue) throws(ConfigError) -> [AWSMatcherType] {
        guard let value else { throw v.error("\(v.path).types is required (rds, elasticache, memorydb, redshift)") }
        var types: [AWSMatcherType] = []
        for text in try value.stringOrList() {
            guard let type = AWSMatcherType(rawValue: text) else {
                let supported = AWSMatcherType.allCases.map(\.rawValue).joined(separator: ", ")
                let why = teleportOnlyTypes.contains(text) ? "is not discovered by Postern" : "is not a known type"
                throw value.error("\(value.path): \(quoted(text)) \(why) (supported: \(supported))")
            }
            if !types.contains(type) { types.append(type) }
        }
        guard !types.isEmpty else { throw value.error("\(value.path) must name at least one type") }
        return types
    }

    /// `key: value` or `key: [values]`; every value a valid literal, glob or `^regex$`.
    static func selector(_ v: YAMLValue) throws(ConfigError) -> LabelSelector {
        var entries: [String: [String]] = [:]
        for (key, line, value) in try v.pairs() {
            guard DatabaseDecoder.isValidLabelKey(key) else {
                throw ConfigError(file: v.file, line: line, message: "\(v.path): invalid tag key \(quoted(key))")
            }
            let patterns = try value.stringOrList()
            for pattern in patterns {
                do {
                    _ = try ValuePattern(pattern)
                } catch {
                    throw value.error("\(value.path): \(error.description)")
                }
            }
            entries[key] = patterns
        }
        return LabelSelector(entries)
    }

    /// `us-east-1`, `eu-west-2`, `cn-north-1`, `us-gov-west-1`: lower-case words and a number.
    static func isRegion(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isASCII),
              last.allSatisfy(\.isNumber) else { return false }
        return parts.dropLast().allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isLowercase }
        }
    }
}

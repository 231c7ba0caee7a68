/// The `discovery:` block: where Postern looks for AWS databases, in the shape of Teleport's
/// `discovery_service.aws` matchers.
public struct DiscoveryConfig: Sendable, Equatable {
    public var aws: [AWSMatcher]

    public init(aws: [AWSMatcher] = []) {
        self.aws = aws
    }

    public var isEmpty: Bool { aws.isEmpty }
}

/// The AWS resource kinds Postern discovers; names as Teleport's matcher `types`.
public enum AWSMatcherType: String, Sendable, CaseIterable, Codable {
    /// RDS instances and Aurora clusters (primary, reader and custom endpoints).
    case rds
    case elastiCache = "elasticache"
    case memoryDB = "memorydb"
    case redshift
}

/// One `discovery.aws[]` entry: which types, in which regions, with which AWS tags.
public struct AWSMatcher: Sendable, Equatable {
    public var types: [AWSMatcherType]
    public var regions: [String]
    /// Label selector over the discovered database's labels (AWS tags and Teleport's discovery
    /// labels): `key: value`, a glob, `^regex$` or `'*'`. Missing means `'*': '*'`.
    public var tags: LabelSelector
    public var assumeRoleARN: String
    public var externalID: String

    public init(types: [AWSMatcherType], regions: [String], tags: LabelSelector = .everything,
                assumeRoleARN: String = "", externalID: String = "") {
        self.types = types
        self.regions = regions
        self.tags = tags
        self.assumeRoleARN = assumeRoleARN
        self.externalID = externalID
    }

    /// Teleport's `MatchLabels`: an empty selector matches nothing, `'*': '*'` everything;
    /// otherwise every key must be present and its value match one of the key's patterns.
    public func matches(_ labels: Labels) -> Bool {
        if tags.isEmpty { return false }
        if tags.isWildcard { return true }
        for (key, patterns) in tags.entries {
            guard let value = labels[key] else { return false }
            if patterns.contains(LabelSelector.wildcard) { continue }
            // Patterns were compiled once when the config was decoded, so none fails here.
            let matched = patterns.contains { (try? ValuePattern($0))?.matches(value) ?? false }
            if !matched { return false }
        }
        return true
    }
}

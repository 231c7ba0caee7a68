import PosternCore

/// The label keys and values Teleport's discovery puts on AWS databases.
public enum DiscoveryLabel {
    public static let region = "region"
    public static let accountID = "account-id"
    public static let engine = "engine"
    public static let engineVersion = "engine-version"
    public static let endpointType = "endpoint-type"
    public static let vpcID = "vpc-id"
    public static let cloud = "teleport.dev/cloud"
    public static let cloudAWS = "AWS"
    public static let origin = "teleport.dev/origin"
    public static let originCloud = "cloud"
    /// AWS tags that rename a discovered database (the first one set wins).
    public static let nameOverrides = ["TeleportDatabaseName", "teleport.dev/database_name"]

    /// Teleport's `IsValidLabelKey`: tags with other characters are not turned into labels.
    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "/._:*-".unicodeScalars.contains($0)
        }
    }

    /// `account-id`, `region` and `teleport.dev/cloud`, then `extra`, then the AWS tags, which
    /// override (Teleport's `addLabels`), then `teleport.dev/origin`, which Teleport sets last.
    static func labels(region: String, accountID: String, extra: Labels, tags: [AWSResourceTag]) -> Labels {
        var labels: Labels = [Self.accountID: accountID, Self.region: region, cloud: cloudAWS]
        labels.merge(extra) { _, new in new }
        for tag in tags where isValidKey(tag.key) {
            labels[tag.key] = tag.value ?? ""
        }
        labels[origin] = originCloud
        return labels
    }
}

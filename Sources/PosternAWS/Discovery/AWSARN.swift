/// The parts of an ARN, `arn:partition:service:region:account:resource` (the resource may hold `:`).
public struct AWSARN: Sendable, Equatable {
    public var partition: String
    public var service: String
    public var region: String
    public var accountID: String
    public var resource: String

    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, !parts[2].isEmpty, !parts[5].isEmpty else {
            return nil
        }
        partition = parts[1]
        service = parts[2]
        region = parts[3]
        accountID = parts[4]
        resource = parts[5]
    }

    /// The partition a region lives in, as the SDKs map it.
    public static func partition(forRegion region: String) -> String {
        if region.hasPrefix("cn-") { return "aws-cn" }
        if region.hasPrefix("us-gov-") { return "aws-us-gov" }
        return "aws"
    }
}

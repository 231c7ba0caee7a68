/// What an AWS database endpoint host name tells: service, resource ids and region.
/// Mirrors how Teleport fills a database's `aws` block from its URI.
public struct AWSEndpoint: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case rdsInstance(id: String)
        case rdsCluster(id: String, endpointType: String)
        case rdsProxy(name: String, customEndpoint: String?)
        case redshift(clusterID: String)
        case redshiftServerless(workgroup: String, accountID: String)
        case elastiCache(replicationGroupID: String, endpointType: String)
        case elastiCacheServerless(cacheName: String)
        case memoryDB(clusterName: String)
        case dsql(clusterID: String)
    }

    public var kind: Kind
    public var region: String

    public init?(host rawHost: String) {
        let host = rawHost.lowercased()
        let parts = host.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard parts.count >= 4, !parts.contains(where: \.isEmpty) else { return nil }
        if let parsed = Self.parseAmazonaws(parts) ?? Self.parseOnAWS(parts) {
            self = parsed
        } else {
            return nil
        }
    }

    private init(kind: Kind, region: String) {
        self.kind = kind
        self.region = region
    }

    /// `<id>.dsql.<region>.on.aws`
    private static func parseOnAWS(_ p: [String]) -> AWSEndpoint? {
        guard p.count == 5, p[3] == "on", p[4] == "aws", p[1] == "dsql" else { return nil }
        return AWSEndpoint(kind: .dsql(clusterID: p[0]), region: p[2])
    }

    private static func parseAmazonaws(_ all: [String]) -> AWSEndpoint? {
        // Strip the partition suffix: amazonaws.com or amazonaws.com.cn.
        var p = all
        if p.last == "cn" { p.removeLast() }
        guard p.count >= 4, p[p.count - 1] == "com", p[p.count - 2] == "amazonaws" else { return nil }
        p.removeLast(2)
        guard let service = p.last else { return nil }
        switch service {
        case "rds": return rds(Array(p.dropLast()))
        case "redshift" where p.count == 4: return AWSEndpoint(kind: .redshift(clusterID: p[0]), region: p[2])
        case "redshift-serverless" where p.count == 4:
            return AWSEndpoint(kind: .redshiftServerless(workgroup: p[0], accountID: p[1]), region: p[2])
        case "cache": return elastiCache(Array(p.dropLast()))
        default:
            // clustercfg.<cluster>.<x>.memorydb.<region>
            if p.count == 5, p[3] == "memorydb" {
                return AWSEndpoint(kind: .memoryDB(clusterName: p[1]), region: p[4])
            }
            return nil
        }
    }

    /// `<name>.<sub>.<region>` (before `.rds`): instance, cluster (-ro/-custom) or proxy endpoints.
    private static func rds(_ p: [String]) -> AWSEndpoint? {
        if p.count == 4, p[1] == "endpoint", p[2].hasPrefix("proxy-") {
            return AWSEndpoint(kind: .rdsProxy(name: "", customEndpoint: p[0]), region: p[3])
        }
        guard p.count == 3 else { return nil }
        let (name, sub, region) = (p[0], p[1], p[2])
        if sub.hasPrefix("cluster-ro-") { return AWSEndpoint(kind: .rdsCluster(id: name, endpointType: "reader"), region: region) }
        if sub.hasPrefix("cluster-custom-") { return AWSEndpoint(kind: .rdsCluster(id: name, endpointType: "custom"), region: region) }
        if sub.hasPrefix("cluster-") { return AWSEndpoint(kind: .rdsCluster(id: name, endpointType: "primary"), region: region) }
        if sub.hasPrefix("proxy-") { return AWSEndpoint(kind: .rdsProxy(name: name, customEndpoint: nil), region: region) }
        return AWSEndpoint(kind: .rdsInstance(id: name), region: region)
    }

    /// ElastiCache endpoints come in several shapes; the replication group id sits in a known place in each.
    private static func elastiCache(_ p: [String]) -> AWSEndpoint? {
        if p.count == 3, p[1] == "serverless" {
            // <cache>-<suffix>.serverless.<region>
            let cache = p[0].split(separator: "-").dropLast().joined(separator: "-")
            return cache.isEmpty ? nil : AWSEndpoint(kind: .elastiCacheServerless(cacheName: cache), region: longRegion(p[2]))
        }
        if p.count == 4, ["master", "clustercfg", "replica"].contains(p[0]) {
            let type = ["master": "primary", "clustercfg": "configuration", "replica": "reader"][p[0]] ?? "node"
            return AWSEndpoint(kind: .elastiCache(replicationGroupID: p[1], endpointType: type), region: longRegion(p[3]))
        }
        if p.count == 5, p[2] == "ng" {
            // <rg>.<suffix>.ng.0001.<region>
            return AWSEndpoint(kind: .elastiCache(replicationGroupID: p[0], endpointType: "primary"), region: p[4])
        }
        return nil
    }

    /// TLS endpoints carry a short region code (`use1`); only a full region name is trusted.
    private static func longRegion(_ s: String) -> String {
        s.split(separator: "-").count >= 3 ? s : ""
    }
}

extension DatabaseAWS {
    /// Fills ids and region the endpoint reveals; what the config says wins.
    public mutating func fill(from endpoint: AWSEndpoint) {
        if region.isEmpty { region = endpoint.region }
        switch endpoint.kind {
        case .rdsInstance(let id):
            if rds.instanceID.isEmpty { rds.instanceID = id }
        case .rdsCluster(let id, _):
            if rds.clusterID.isEmpty { rds.clusterID = id }
        case .rdsProxy(let name, let custom):
            if rdsProxy.name.isEmpty { rdsProxy.name = name }
            if rdsProxy.customEndpointName.isEmpty, let custom { rdsProxy.customEndpointName = custom }
        case .redshift(let id):
            if redshift.clusterID.isEmpty { redshift.clusterID = id }
        case .redshiftServerless(let workgroup, let account):
            if redshiftServerless.workgroupName.isEmpty { redshiftServerless.workgroupName = workgroup }
            if accountID.isEmpty { accountID = account }
        case .elastiCache(let id, _):
            if elastiCache.replicationGroupID.isEmpty { elastiCache.replicationGroupID = id }
        case .elastiCacheServerless(let name):
            if elastiCacheServerless.cacheName.isEmpty { elastiCacheServerless.cacheName = name }
        case .memoryDB(let name):
            if memoryDB.clusterName.isEmpty { memoryDB.clusterName = name }
        case .dsql:
            break
        }
    }
}

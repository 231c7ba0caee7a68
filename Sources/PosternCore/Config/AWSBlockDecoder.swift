/// Decodes a database's `aws:` block (Teleport's field names).
enum AWSBlockDecoder {
    static func decode(_ v: YAMLValue) throws(ConfigError) -> DatabaseAWS {
        let f = try v.mapping(known: [
            "region", "account_id", "assume_role_arn", "external_id", "rds", "rds_proxy", "elasticache",
            "elasticache_serverless", "memorydb", "redshift", "redshift_serverless", "secret_store",
        ])
        var aws = DatabaseAWS()
        aws.region = try f.string("region")
        aws.accountID = try f.string("account_id")
        aws.assumeRoleARN = try f.string("assume_role_arn")
        aws.externalID = try f.string("external_id")
        if let r = f["rds"] {
            let s = try r.mapping(known: ["instance_id", "cluster_id", "resource_id", "iam_auth"])
            aws.rds.instanceID = try s.string("instance_id")
            aws.rds.clusterID = try s.string("cluster_id")
            aws.rds.resourceID = try s.string("resource_id")
            aws.rds.iamAuth = try s["iam_auth"]?.bool() ?? false
        }
        if let r = f["rds_proxy"] {
            let s = try r.mapping(known: ["name", "custom_endpoint_name", "resource_id"])
            aws.rdsProxy.name = try s.string("name")
            aws.rdsProxy.customEndpointName = try s.string("custom_endpoint_name")
            aws.rdsProxy.resourceID = try s.string("resource_id")
        }
        if let r = f["elasticache"] {
            aws.elastiCache.replicationGroupID = try r.mapping(known: ["replication_group_id"]).string("replication_group_id")
        }
        if let r = f["elasticache_serverless"] {
            aws.elastiCacheServerless.cacheName = try r.mapping(known: ["cache_name"]).string("cache_name")
        }
        if let r = f["memorydb"] {
            aws.memoryDB.clusterName = try r.mapping(known: ["cluster_name"]).string("cluster_name")
        }
        if let r = f["redshift"] {
            aws.redshift.clusterID = try r.mapping(known: ["cluster_id"]).string("cluster_id")
        }
        if let r = f["redshift_serverless"] {
            let s = try r.mapping(known: ["workgroup_name", "endpoint_name"])
            aws.redshiftServerless.workgroupName = try s.string("workgroup_name")
            aws.redshiftServerless.endpointName = try s.string("endpoint_name")
        }
        if let r = f["secret_store"] {
            let s = try r.mapping(known: ["key_prefix", "kms_key_id"])
            aws.secretStore.keyPrefix = try s.string("key_prefix", default: aws.secretStore.keyPrefix)
            aws.secretStore.kmsKeyID = try s.string("kms_key_id")
        }
        if !aws.assumeRoleARN.isEmpty, !aws.assumeRoleARN.hasPrefix("arn:") {
            throw (f["assume_role_arn"] ?? v).error("\(v.path).assume_role_arn must be an IAM role ARN")
        }
        return aws
    }
}

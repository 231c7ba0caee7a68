/// Which discovered resources become databases, as Teleport's AWS fetchers decide: the engine
/// or cluster mode must support IAM authentication, transport encryption must be on for Redis,
/// and the resource must be in a state that accepts connections. Teleport does not require the
/// IAM flag itself (its agent turns it on), so neither does Postern: it records the flag.
enum DiscoveryEligibility {
    /// Engines Teleport asks DescribeDBInstances for.
    static let rdsInstanceEngines = ["postgres", "mysql", "mariadb"]
    /// Engines Teleport asks DescribeDBClusters for.
    static let auroraEngines = ["aurora-mysql", "aurora-postgresql"]

    /// MariaDB before 10.6 has no IAM authentication; other engines do.
    static func isSupported(_ instance: RDSDBInstance) -> Bool {
        guard instance.engine == "mariadb" else { return true }
        let numbers = (instance.engineVersion ?? "").split(separator: ".").prefix(2).map { Int($0) }
        guard numbers.count == 2, let major = numbers[0], let minor = numbers[1] else { return false }
        return (major, minor) >= (10, 6)
    }

    /// Aurora Serverless v1 and a few parallel-query Aurora MySQL versions have no IAM auth.
    static func isSupported(_ cluster: RDSDBCluster) -> Bool {
        switch cluster.engineMode {
        case "serverless":
            return false
        case "parallelquery":
            let version = cluster.engineVersion ?? ""
            let aurora = version.components(separatedBy: ".mysql_aurora.").last ?? version
            return !["1.22.2", "1.20.1", "1.19.6", "5.6.10a"].contains(aurora)
        default:
            return true
        }
    }

    /// RDS instance states billed as running; unknown states count as available, as in Teleport.
    static func isAvailable(instanceStatus status: String?) -> Bool {
        switch status ?? "" {
        case "creating", "deleting", "failed", "inaccessible-encryption-credentials", "incompatible-network",
            "incompatible-restore", "inaccessible-encryption-credentials-recoverable", "starting", "stopped",
            "stopping", "insufficient-capacity":
            return false
        default:
            return true
        }
    }

    static func isAvailable(clusterStatus status: String?) -> Bool {
        switch status ?? "" {
        case "cloning-failed", "creating", "deleting", "inaccessible-encryption-credentials", "migration-failed",
            "starting", "stopped", "stopping":
            return false
        default:
            return true
        }
    }

    /// ElastiCache and MemoryDB: Teleport's generic status check.
    static func isAvailable(resourceStatus status: String?) -> Bool {
        switch (status ?? "").lowercased() {
        case "creating", "deleting", "create-failed":
            return false
        default:
            return true
        }
    }

    static func isAvailable(redshiftStatus status: String?) -> Bool {
        switch status ?? "" {
        case "creating", "deleting", "hardware-failure", "paused", "incompatible-network":
            return false
        default:
            return true
        }
    }
}

/// An upstream PostgreSQL sign-in method, named as libpq's `require_auth` names it.
public enum UpstreamAuthMethod: String, Sendable, CaseIterable, Codable {
    /// The password in cleartext (always inside TLS here): what RDS IAM and DSQL tokens need.
    case password
    case md5
    case scramSHA256 = "scram-sha-256"
    /// The server asks for nothing (trust).
    case trust = "none"
}

extension Database {
    /// The sign-in methods the upstream server may ask for: `require_auth` when configured, else
    /// the ones this database's sign-in needs. IAM tokens go as cleartext passwords (RDS, Aurora,
    /// DSQL); Redshift's temporary passwords as MD5 (it has no SCRAM) or cleartext; a configured
    /// password only over SCRAM-SHA-256, the one method that also proves the server knows it.
    public var allowedAuthMethods: [UpstreamAuthMethod] {
        if let requireAuth { return requireAuth }
        switch auth {
        case .iam:
            switch type {
            case .redshift, .redshiftServerless: return [.md5, .password]
            default: return [.password]
            }
        case .password: return [.scramSHA256]
        case .managed: return []
        }
    }
}

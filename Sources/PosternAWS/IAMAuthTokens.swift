import Foundation

/// Builds IAM authentication tokens exactly as botocore does (byte-compared in
/// Tests/PosternAWSTests/Fixtures/iam-auth-tokens.json): a presigned `GET /` signing only
/// `host`, over the empty payload, valid for 900 seconds.
public enum IAMAuthTokens {
    /// Token lifetime in seconds; fixed by the services.
    public static let lifetime = 900

    /// RDS and Aurora (MySQL or PostgreSQL): `rds-db`, `Action=connect&DBUser=…`.
    ///
    /// The token text always carries `host:port`, but like botocore the port is signed only when
    /// it is not 443, because the URL signed is `https://host:port`.
    public static func rds(
        host: String, port: Int, dbUser: String, region: String, credentials: AWSCredentials, date: Date = Date()
    ) throws -> IAMAuthToken {
        guard (1...65_535).contains(port) else { throw AWSSigningError.invalidPort(port) }
        guard !dbUser.isEmpty else { throw AWSSigningError.missingUser }
        return try token(
            service: "rds-db", host: host, port: port,
            query: [AWSQueryItem("Action", "connect"), AWSQueryItem("DBUser", dbUser)],
            region: region, credentials: credentials, date: date)
    }

    /// The two Aurora DSQL actions: connecting as the `admin` role or as a custom role.
    public enum DSQLAction: String, Sendable, CaseIterable {
        case dbConnect = "DbConnect"
        case dbConnectAdmin = "DbConnectAdmin"
    }

    /// Aurora DSQL: `dsql`, `Action=DbConnect` or `DbConnectAdmin`, no port.
    public static func dsql(
        host: String, action: DSQLAction, region: String, credentials: AWSCredentials, date: Date = Date()
    ) throws -> IAMAuthToken {
        try token(
            service: "dsql", host: host, port: nil, query: [AWSQueryItem("Action", action.rawValue)],
            region: region, credentials: credentials, date: date)
    }

    /// ElastiCache (Redis OSS / Valkey): `elasticache`, `Action=connect&User=…`, signed for the
    /// replication group id — or, with `serverless`, the serverless cache name, which adds
    /// `ResourceType=ServerlessCache`.
    public static func elastiCache(
        cacheName: String, userId: String, region: String, serverless: Bool = false,
        credentials: AWSCredentials, date: Date = Date()
    ) throws -> IAMAuthToken {
        guard !userId.isEmpty else { throw AWSSigningError.missingUser }
        var query = [AWSQueryItem("Action", "connect"), AWSQueryItem("User", userId)]
        if serverless {
            query.append(AWSQueryItem("ResourceType", "ServerlessCache"))
        }
        return try token(
            service: "elasticache", host: cacheName, port: nil, query: query,
            region: region, credentials: credentials, date: date)
    }

    /// MemoryDB: `memorydb`, `Action=connect&User=…`, signed for the cluster name.
    public static func memoryDB(
        clusterName: String, userId: String, region: String, credentials: AWSCredentials, date: Date = Date()
    ) throws -> IAMAuthToken {
        guard !userId.isEmpty else { throw AWSSigningError.missingUser }
        return try token(
            service: "memorydb", host: clusterName, port: nil,
            query: [AWSQueryItem("Action", "connect"), AWSQueryItem("User", userId)],
            region: region, credentials: credentials, date: date)
    }

    private static func token(
        service: String, host: String, port: Int?, query: [AWSQueryItem],
        region: String, credentials: AWSCredentials, date: Date
    ) throws -> IAMAuthToken {
        guard isHost(host) else { throw AWSSigningError.invalidHost(host) }
        let signer = try SigV4Signer(credentials: credentials, region: region, service: service)
        let request = SigV4Request(method: "GET", scheme: "https", host: host, port: port, path: "/", query: query)
        let signed = try signer.presign(request, expiresIn: lifetime, date: date)
        let issuedAt = Date(timeIntervalSince1970: TimeInterval(AMZDate(date).epochSeconds))
        return IAMAuthToken(
            value: "\(signed.authority)/?\(signed.encodedQuery)",
            issuedAt: issuedAt,
            expiresAt: issuedAt.addingTimeInterval(TimeInterval(lifetime)))
    }

    /// A DNS name or identifier (letters, digits, `-`, `.`, `_`), or a bracketed IPv6 literal.
    /// Anything else (`/`, `@`, `:`, spaces) would change what the token is signed for.
    static func isHost(_ host: String) -> Bool {
        let bytes = Array(host.utf8)
        guard !bytes.isEmpty else { return false }
        if bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]"), bytes.count > 2 {
            return bytes.dropFirst().dropLast().allSatisfy { byte in
                isHexDigit(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
            }
        }
        return bytes.allSatisfy { byte in
            isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_")
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}

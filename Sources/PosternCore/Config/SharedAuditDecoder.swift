/// Decodes `audit.shared: {postgres: {uri, database, user, auth, password_file|password_env, aws, tls},
/// retention: 400d, keep_local: 0d}` strictly. The `postgres` block reads like a database entry, so the same TLS,
/// sign-in and AWS rules (and errors) apply.
enum SharedAuditDecoder {
    static func decode(_ v: YAMLValue, baseDir: String) throws(ConfigError) -> SharedAuditConfig {
        let f = try v.mapping(known: ["postgres", "retention", "keep_local"])
        guard let pg = f["postgres"] else { throw v.error("\(v.path).postgres is required") }
        let p = try pg.mapping(known: ["uri", "database", "user", "auth", "password_file", "password_env", "aws", "tls"])
        let uri = try p.string("uri")
        guard let endpoint = Endpoint(uri: uri), endpoint.port != nil, !uri.contains("@") else {
            throw (p["uri"] ?? pg).error("\(pg.path).uri must be host:port, without credentials (got \(quoted(uri)))")
        }
        var server = Database(name: "shared audit store", protocol: .postgres, uri: uri)
        if let aws = p["aws"] { server.aws = try AWSBlockDecoder.decode(aws) }
        if let parsed = AWSEndpoint(host: endpoint.host) { server.aws.fill(from: parsed) }
        // Audit records leave the bastion here: verified TLS unless the config says otherwise.
        if let tls = p["tls"] { server.tls = try DatabaseDecoder.tlsBlock(tls, baseDir: baseDir) }
        server.auth = try DatabaseDecoder.auth(p, pg, db: server, baseDir: baseDir)
        let name = try p.string("database")
        let user = try p.string("user")
        guard !name.isEmpty else { throw pg.error("\(pg.path).database is required") }
        guard !user.isEmpty else { throw pg.error("\(pg.path).user is required") }
        var shared = SharedAuditConfig(server: server, databaseName: name, user: user)
        if let r = f["retention"] { shared.retentionDays = try days(r, atLeast: 1) }
        if let k = f["keep_local"] { shared.keepLocalDays = try days(k, atLeast: 0) }
        return shared
    }

    /// Days (`400d`).
    static func days(_ v: YAMLValue, atLeast minimum: Int) throws(ConfigError) -> Int {
        let text = try v.string()
        guard text.hasSuffix("d"), let days = Int(text.dropLast()), days >= minimum, days <= 100_000 else {
            throw v.error("\(v.path) must be a number of days such as \(minimum == 0 ? "7d" : "400d"), not \(quoted(text))")
        }
        return days
    }
}

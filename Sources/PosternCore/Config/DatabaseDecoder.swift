/// Decodes `databases:` entries in the shape of Teleport's `db_service.databases`, plus Postern's `auth`.
enum DatabaseDecoder {
    static let keys: Set<String> = [
        "name", "description", "protocol", "uri", "static_labels", "aws", "tls", "auth", "password_file",
        "password_env", "redis", "require_auth",
    ]

    static func decode(_ v: YAMLValue, baseDir: String) throws(ConfigError) -> Database {
        if case .mapping(let m) = v.node, m["password"] != nil {
            throw v.error("\(v.path).password: inline secrets are not accepted; use password_file or password_env")
        }
        let f = try v.mapping(known: keys)
        let name = try f.string("name")
        guard !name.isEmpty, !name.allSatisfy(\.isWhitespace) else { throw v.error("\(v.path).name is required") }
        let protoText = try f.string("protocol")
        guard let proto = DatabaseProtocol(rawValue: protoText) else {
            throw (f["protocol"] ?? v).error("\(v.path).protocol must be postgres or redis, not \(quoted(protoText))")
        }
        let uriValue = f["uri"]
        let uri = try f.string("uri")
        guard let endpoint = Endpoint(uri: uri), endpoint.port != nil else {
            throw (uriValue ?? v).error("\(v.path).uri must be host:port (got \(quoted(uri)))")
        }
        if uri.contains("@") {
            throw (uriValue ?? v).error("\(v.path).uri must not carry credentials; use auth and password_file")
        }
        var db = Database(name: name, description: try f.string("description"), protocol: proto, uri: uri)
        db.staticLabels = try labels(f["static_labels"])
        if let aws = f["aws"] { db.aws = try AWSBlockDecoder.decode(aws) }
        if let parsed = AWSEndpoint(host: endpoint.host) { db.aws.fill(from: parsed) }
        if let tls = f["tls"] { db.tls = try tlsBlock(tls, baseDir: baseDir) }
        db.auth = try auth(f, v, db: db, baseDir: baseDir)
        if let methods = f["require_auth"] {
            guard proto == .postgres else { throw methods.error("\(methods.path) is for postgres databases") }
            db.requireAuth = try requireAuth(methods)
        }
        if let redis = f["redis"] {
            guard proto == .redis else { throw redis.error("\(redis.path) is for redis databases") }
            db.redis = try RedisOptionsDecoder.decode(redis, database: name, baseDir: baseDir)
            if db.redis.managedUsers != nil, db.auth != .managed {
                throw redis.error("\(redis.path).managed_users needs auth: managed")
            }
        }
        return db
    }

    /// Label keys as Teleport allows them; values are free text (sanitised wherever drawn).
    static func labels(_ v: YAMLValue?) throws(ConfigError) -> Labels {
        guard let v else { return [:] }
        var out: Labels = [:]
        for (key, line, value) in try v.pairs() {
            guard isValidLabelKey(key) else {
                throw ConfigError(file: v.file, line: line, message: "\(v.path): invalid label key \(quoted(key))")
            }
            out[key] = try value.string()
        }
        return out
    }

    static func isValidLabelKey(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "/._:*-".unicodeScalars.contains($0)
        }
    }

    static func tlsBlock(_ v: YAMLValue, baseDir: String) throws(ConfigError) -> DatabaseTLS {
        let f = try v.mapping(known: ["mode", "ca_cert_file", "server_name", "trust_system_cert_pool"])
        var tls = DatabaseTLS()
        if let m = f["mode"] {
            let text = try m.string()
            guard let mode = TLSMode(rawValue: text) else {
                throw m.error("\(m.path) must be verify-full, verify-ca or insecure (got \(quoted(text)))")
            }
            tls.mode = mode
        }
        if let ca = f["ca_cert_file"] { tls.caCertFile = ConfigDecoder.resolve(try ca.string(), against: baseDir) }
        tls.serverName = try f["server_name"]?.string()
        if let t = f["trust_system_cert_pool"] { tls.trustSystemCertPool = try t.bool() }
        return tls
    }

    /// libpq's `require_auth`: a list (or a comma-separated string) of methods, no negation.
    static func requireAuth(_ v: YAMLValue) throws(ConfigError) -> [UpstreamAuthMethod] {
        var out: [UpstreamAuthMethod] = []
        for item in try v.stringOrList() {
            for name in item.split(separator: ",").map({ String($0.filter { !$0.isWhitespace }) }) {
                guard let method = UpstreamAuthMethod(rawValue: name) else {
                    let names = UpstreamAuthMethod.allCases.map(\.rawValue).joined(separator: ", ")
                    throw v.error("\(v.path): unknown sign-in method \(quoted(name)) (use \(names))")
                }
                if !out.contains(method) { out.append(method) }
            }
        }
        guard !out.isEmpty else { throw v.error("\(v.path) needs at least one method") }
        return out
    }

    static func auth(_ f: YAMLFields, _ v: YAMLValue, db: Database, baseDir: String) throws(ConfigError) -> DatabaseAuth {
        let file = try f["password_file"]?.string()
        let env = try f["password_env"]?.string()
        let mode = try f["auth"]?.string() ?? (db.type.isAWS ? "iam" : "")
        switch mode {
        case "iam":
            guard file == nil, env == nil else { throw v.error("\(v.path): password_file/password_env need auth: password") }
            guard db.type.isAWS else {
                throw v.error("\(v.path): auth: iam needs an AWS database (an aws block or an AWS endpoint uri)")
            }
            return .iam
        case "password":
            switch (file, env) {
            case (let file?, nil): return .password(.file(ConfigDecoder.resolve(file, against: baseDir)))
            case (nil, let env?): return .password(.environment(env))
            default: throw v.error("\(v.path): auth: password needs exactly one of password_file or password_env")
            }
        case "managed":
            guard db.protocol == .redis else { throw v.error("\(v.path): auth: managed is for redis databases") }
            guard file == nil, env == nil else { throw v.error("\(v.path): password_file/password_env need auth: password") }
            return .managed
        case "":
            throw v.error("\(v.path).auth is required for a self-hosted database (password or managed)")
        default:
            throw (f["auth"] ?? v).error("\(v.path).auth must be iam, password or managed (got \(quoted(mode)))")
        }
    }
}

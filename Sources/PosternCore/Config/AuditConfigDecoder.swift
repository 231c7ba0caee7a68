/// Decodes `audit: {backend: sqlite|jsonl, path, synchronous: normal|full, redis_values: full|redacted}` strictly.
enum AuditConfigDecoder {
    static func decode(_ v: YAMLValue, baseDir: String) throws(ConfigError) -> AuditConfig {
        let f = try v.mapping(known: ["backend", "path", "synchronous", "redis_values"])
        var config = AuditConfig()
        if let b = f["backend"] {
            let name = try b.string()
            guard let backend = AuditConfig.Backend(rawValue: name) else {
                throw b.error("\(b.path) must be sqlite or jsonl, not \(quoted(name))")
            }
            config.backend = backend
        }
        if let s = f["synchronous"] {
            let name = try s.string()
            guard let sync = AuditConfig.Synchronous(rawValue: name) else {
                throw s.error("\(s.path) must be normal or full, not \(quoted(name))")
            }
            config.synchronous = sync
        }
        if let r = f["redis_values"] {
            let name = try r.string()
            guard let values = AuditConfig.RedisValues(rawValue: name) else {
                throw r.error("\(r.path) must be full or redacted, not \(quoted(name))")
            }
            config.redisValues = values
        }
        if let p = f["path"] {
            let path = try p.string()
            guard !path.isEmpty else { throw p.error("\(p.path) must not be empty") }
            config.path = ConfigDecoder.resolve(path, against: baseDir)
        }
        return config
    }
}

/// Decodes `audit: {backend: sqlite|jsonl, path, synchronous: normal|full, redis_values: full|redacted,
/// host, disk_budget, shared}` strictly.
enum AuditConfigDecoder {
    static func decode(_ v: YAMLValue, baseDir: String) throws(ConfigError) -> AuditConfig {
        let f = try v.mapping(known: ["backend", "path", "synchronous", "redis_values", "host", "disk_budget", "shared"])
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
        if let h = f["host"] {
            let host = try h.string()
            guard !host.isEmpty, host.utf8.count <= 255, host.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
                throw h.error("\(h.path) must be a host name (printable, no spaces), not \(quoted(host))")
            }
            config.host = host
        }
        if let b = f["disk_budget"] {
            let text: String
            if let n = try? b.int() { text = String(n) } else { text = try b.string() }
            guard let bytes = ByteSizeText.parse(text), bytes > 0 else {
                throw b.error("\(b.path) must be a size such as 512MiB or 10GiB, not \(quoted(text))")
            }
            config.diskBudgetBytes = bytes
        }
        if let shared = f["shared"] {
            guard config.backend == .sqlite else { throw shared.error("\(shared.path) needs backend: sqlite (the local journal ships)") }
            config.shared = try SharedAuditDecoder.decode(shared, baseDir: baseDir)
        }
        if let b = f["disk_budget"], config.shared == nil {
            throw b.error("\(b.path) bounds what waits to be shipped to audit.shared, which is not configured")
        }
        return config
    }
}

/// Decodes `spec.options`. Two options are enforced (`client_idle_timeout`, `max_session_ttl`);
/// options that would restrict database access in Teleport but that Postern cannot honour are
/// refused with their name, rather than ignored; the rest (SSH, desktop, Kubernetes, certificate
/// format, …) do not bear on database sessions and are accepted as they are.
enum RoleOptionsDecoder {
    /// Restricting options Postern does not enforce, and the values that leave them off.
    static let refusedUnlessOff: [String: Set<String>] = [
        "require_session_mfa": ["false", "no", "off", ""],
        "max_connections": ["0"],
        "pin_source_ip": ["false", "no", "off"],
        "device_trust_mode": ["off", "optional", ""],
        "request_access": ["optional", ""],
    ]

    static func decode(_ v: YAMLValue) throws(ConfigError) -> RoleOptions {
        var options = RoleOptions()
        for (key, _, value) in try v.pairs() {
            switch key {
            case "client_idle_timeout":
                options.clientIdleTimeout = try duration(value)
            case "max_session_ttl":
                options.maxSessionTTL = try duration(value)
            default:
                guard let offValues = refusedUnlessOff[key] else { continue }
                let text = try scalarText(value)
                guard offValues.contains(text.lowercased()) else {
                    throw value.error("\(value.path): \(quoted(key)) restricts access in Teleport, but Postern does not enforce it; remove it or set it off (\(offValues.sorted().filter { !$0.isEmpty }.joined(separator: ", ")))")
                }
            }
        }
        return options
    }

    /// Go durations (`30m`, `8h`, `1h30m`); `0`, `0s` and `never` mean "not set".
    private static func duration(_ v: YAMLValue) throws(ConfigError) -> Duration? {
        let text = try scalarText(v)
        if text == "0" || text == "never" { return nil }
        guard let d = DurationText.parse(text) else {
            throw v.error("\(v.path) must be a duration such as 30m, 8h or 1h30m, not \(quoted(text))")
        }
        return d > .zero ? d : nil
    }

    private static func scalarText(_ v: YAMLValue) throws(ConfigError) -> String {
        if let b = try? v.bool() { return b ? "true" : "false" }
        if let i = try? v.int() { return String(i) }
        return try v.string()
    }
}

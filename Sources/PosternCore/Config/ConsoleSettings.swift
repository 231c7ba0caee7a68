/// The `console:` block of `postern.yaml`: how the terminal console looks.
/// ```yaml
/// console: {theme: solarized-16}   # a name from the themes directories, or a path to a .yaml
/// ```
public struct ConsoleSettings: Sendable, Equatable {
    public var theme: String?

    public init(theme: String? = nil) { self.theme = theme }

    static let configKeys: Set<String> = ["console"]

    static func decode(_ v: YAMLValue) throws(ConfigError) -> ConsoleSettings {
        let f = try v.mapping(known: ["theme"])
        guard let theme = try f["theme"]?.string() else { return ConsoleSettings() }
        guard !theme.isEmpty else { throw v.error("\(v.path).theme must not be empty") }
        return ConsoleSettings(theme: theme)
    }
}

import Foundation

/// Finds a theme by name or path. Names are looked up as `NAME.yaml` in, in order:
/// `$POSTERN_THEMES_DIR`, `themes/` next to the config, `/etc/postern/themes`,
/// `<executable>/../share/postern/themes`, and `Themes/` in a directory above the executable
/// (a build inside the source tree).
public struct ThemeLocator: Sendable {
    public static let defaultName = "default-dark"
    public var searchDirectories: [String]

    public init(searchDirectories: [String]) { self.searchDirectories = searchDirectories }

    public static func standard(configPath: String?, environment: [String: String], executablePath: String)
        -> ThemeLocator {
        var dirs: [String] = []
        if let env = environment["POSTERN_THEMES_DIR"], !env.isEmpty { dirs.append(env) }
        if let configPath {
            let dir = (configPath as NSString).deletingLastPathComponent
            dirs.append(((dir.isEmpty ? "." : dir) as NSString).appendingPathComponent("themes"))
        }
        dirs.append("/etc/postern/themes")
        let exeDir = ((executablePath as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
        dirs.append(((exeDir as NSString).deletingLastPathComponent as NSString).appendingPathComponent("share/postern/themes"))
        var dir = exeDir
        for _ in 0..<5 {
            dirs.append((dir as NSString).appendingPathComponent("Themes"))
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir { break }
            dir = parent
        }
        return ThemeLocator(searchDirectories: dirs)
    }

    /// A value with `/` or ending in `.yaml` is a path; anything else a name.
    public func path(for nameOrPath: String) -> String? {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") {
            return FileManager.default.fileExists(atPath: nameOrPath) ? nameOrPath : nil
        }
        for dir in searchDirectories {
            let p = (dir as NSString).appendingPathComponent(nameOrPath + ".yaml")
            if FileManager.default.fileExists(atPath: p) { return p }
        }
        return nil
    }

    /// Loads the requested theme. An explicit request that fails is an error; the default theme
    /// missing (a binary copied without its themes) falls back to the attribute-only look, with a note.
    public func load(_ requested: String?) throws(ThemeError) -> (theme: Theme, note: String?) {
        let wanted = requested ?? Self.defaultName
        guard let path = path(for: wanted) else {
            if requested == nil {
                return (.monochrome, "theme \(Self.defaultName) not found; using attributes only")
            }
            throw ThemeError(file: wanted, message: "theme not found (looked in \(searchDirectories.joined(separator: ", ")))")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ThemeError(file: path, message: "cannot read: \(error.localizedDescription)")
        }
        return (try ThemeDecoder.decode(text, file: path), nil)
    }
}

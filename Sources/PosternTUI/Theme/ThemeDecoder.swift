import Yams

/// A theme file that cannot be used, with where and why.
public struct ThemeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Decodes a theme YAML file:
/// ```yaml
/// name: default-dark
/// styles:
///   title: {fg: black, bg: "#5fafd7", attrs: [bold]}
/// ```
/// Colours are `default`, an ANSI name (`red`, `bright-blue`), a palette number 0–255 or `#rrggbb`.
/// Roles left out fall back to the attribute-only look; unknown keys are errors.
public enum ThemeDecoder {
    public static func decode(_ text: String, file: String) throws(ThemeError) -> Theme {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw ThemeError(file: file, message: "the file is empty") }
            root = node
        } catch let e as ThemeError {
            throw e
        } catch {
            let first = String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
            throw ThemeError(file: file, message: "malformed YAML: \(first)")
        }
        let top = try mapping(root, file: file, known: ["name", "description", "styles"])
        guard let nameNode = top["name"], let name = nameNode.scalar?.string, !name.isEmpty else {
            throw ThemeError(file: file, line: root.mark?.line, message: "name is required")
        }
        var styles: [StyleRole: CellStyle] = [:]
        if let stylesNode = top["styles"] {
            let entries = try mapping(stylesNode, file: file, known: Set(StyleRole.allCases.map(\.rawValue)))
            for (key, node) in entries {
                guard let role = StyleRole(rawValue: key) else { continue }
                styles[role] = try style(node, file: file, role: key)
            }
        }
        return Theme(name: name, styles: styles)
    }

    static func style(_ node: Node, file: String, role: String) throws(ThemeError) -> CellStyle {
        let f = try mapping(node, file: file, known: ["fg", "bg", "attrs"])
        var s = CellStyle()
        if let fg = f["fg"] { s.fg = try color(fg, file: file) }
        if let bg = f["bg"] { s.bg = try color(bg, file: file) }
        if let attrs = f["attrs"] {
            guard case .sequence(let seq) = attrs else {
                throw ThemeError(file: file, line: attrs.mark?.line, message: "styles.\(role).attrs must be a list")
            }
            for item in seq {
                let word = item.scalar?.string ?? ""
                guard let a = TextAttributes.byName.first(where: { $0.0 == word })?.1 else {
                    throw ThemeError(file: file, line: item.mark?.line,
                                     message: "unknown attribute \"\(word)\" (bold, dim, reverse, underline, italic)")
                }
                s.attributes.insert(a)
            }
        }
        return s
    }

    static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses one colour; exposed for tests.
    public static func color(_ text: String) -> TermColor? {
        let t = text.lowercased()
        if t == "default" { return .default }
        if let i = ansiNames.firstIndex(of: t) { return .ansi(UInt8(i)) }
        if t.hasPrefix("bright-"), let i = ansiNames.firstIndex(of: String(t.dropFirst(7))) { return .ansi(UInt8(i + 8)) }
        if let n = UInt8(t) { return .indexed(n) }
        if t.hasPrefix("#"), t.count == 7, let v = UInt32(t.dropFirst(), radix: 16) {
            return .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
        }
        return nil
    }

    private static func color(_ node: Node, file: String) throws(ThemeError) -> TermColor {
        let text = node.scalar?.string ?? ""
        guard let c = color(text) else {
            throw ThemeError(file: file, line: node.mark?.line,
                             message: "unknown colour \"\(text)\" (default, black…white, bright-*, 0-255 or #rrggbb)")
        }
        return c
    }

    private static func mapping(_ node: Node, file: String, known: Set<String>) throws(ThemeError) -> [String: Node] {
        guard case .mapping(let m) = node else {
            throw ThemeError(file: file, line: node.mark?.line, message: "expected a mapping")
        }
        var out: [String: Node] = [:]
        for (k, v) in m {
            let key = k.scalar?.string ?? ""
            guard known.contains(key) else {
                throw ThemeError(file: file, line: k.mark?.line, message: "unknown key \"\(key)\"")
            }
            guard out[key] == nil else { throw ThemeError(file: file, line: k.mark?.line, message: "duplicate key \"\(key)\"") }
            out[key] = v
        }
        return out
    }
}

import Yams

/// A YAML node with where it came from, for strict decoding with precise errors.
struct YAMLValue {
    let node: Node
    let file: String
    /// Dotted path from the document root, e.g. `roles[0].spec.allow`.
    let path: String

    var line: Int? { node.mark?.line }

    func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, message: message)
    }

    var isNull: Bool {
        if case .scalar(let s) = node { return s.style == .plain && node.null != nil }
        return false
    }

    /// A mapping whose keys must all be in `known`; keys in `ignored` are accepted and dropped.
    func mapping(known: Set<String>, ignored: Set<String> = []) throws(ConfigError) -> YAMLFields {
        if isNull { return YAMLFields(entries: [:], order: []) }
        guard case .mapping(let m) = node else { throw error("\(path) must be a mapping") }
        var entries: [String: YAMLValue] = [:]
        var order: [String] = []
        for (k, v) in m {
            guard case .scalar(let ks) = k else {
                throw ConfigError(file: file, line: k.mark?.line, message: "\(path) has a key that is not a string")
            }
            let key = ks.string
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            if entries[key] != nil || order.contains(key) {
                throw ConfigError(file: file, line: k.mark?.line, message: "duplicate key \(quoted(key)) in \(pathName)")
            }
            if ignored.contains(key) {
                order.append(key)
                continue
            }
            guard known.contains(key) else {
                throw ConfigError(file: file, line: k.mark?.line, message: "unknown key \(quoted(key)) in \(pathName)")
            }
            entries[key] = YAMLValue(node: v, file: file, path: childPath)
            order.append(key)
        }
        return YAMLFields(entries: entries, order: order)
    }

    private var pathName: String { path.isEmpty ? "the top level" : path }

    /// A free-form string map (labels, traits) whose keys are data, not schema.
    func pairs() throws(ConfigError) -> [(key: String, line: Int?, value: YAMLValue)] {
        if isNull { return [] }
        guard case .mapping(let m) = node else { throw error("\(path) must be a mapping") }
        var out: [(key: String, line: Int?, value: YAMLValue)] = []
        for (k, v) in m {
            guard case .scalar(let ks) = k else { throw error("\(path) has a key that is not a string") }
            if out.contains(where: { $0.key == ks.string }) {
                throw ConfigError(file: file, line: k.mark?.line, message: "duplicate key \(quoted(ks.string)) in \(path)")
            }
            out.append((ks.string, k.mark?.line, YAMLValue(node: v, file: file, path: "\(path).\(ks.string)")))
        }
        return out
    }

    func string() throws(ConfigError) -> String {
        guard case .scalar(let s) = node, !isNull else { throw error("\(path) must be a string") }
        return s.string
    }

    func bool() throws(ConfigError) -> Bool {
        guard case .scalar = node, let b = node.bool else { throw error("\(path) must be true or false") }
        return b
    }

    func int() throws(ConfigError) -> Int {
        guard case .scalar = node, let i = node.int else { throw error("\(path) must be a whole number") }
        return i
    }

    func list() throws(ConfigError) -> [YAMLValue] {
        if isNull { return [] }
        guard case .sequence(let s) = node else { throw error("\(path) must be a list") }
        return s.enumerated().map { YAMLValue(node: $0.element, file: file, path: "\(path)[\($0.offset)]") }
    }

    /// Teleport accepts a single string where a list of strings is expected.
    func stringOrList() throws(ConfigError) -> [String] {
        if isNull { return [] }
        if case .scalar = node { return [try string()] }
        var out: [String] = []
        for item in try list() { out.append(try item.string()) }
        return out
    }
}

struct YAMLFields {
    let entries: [String: YAMLValue]
    let order: [String]

    subscript(key: String) -> YAMLValue? {
        guard let v = entries[key], !v.isNull else { return nil }
        return v
    }

    func string(_ key: String, default d: String = "") throws(ConfigError) -> String {
        try self[key]?.string() ?? d
    }

    func strings(_ key: String) throws(ConfigError) -> [String] {
        try self[key]?.stringOrList() ?? []
    }
}

extension YAMLValue {
    /// The implicit types the config reads (booleans, whole numbers, null, `<<` merges). Yams
    /// tries each rule's regular expression on every plain scalar; floats, timestamps and `=`
    /// are never read, and leaving them out makes a 10k-database file decode markedly faster.
    static let resolver = Resolver.default.removing(.float).removing(.timestamp).removing(.value)
}

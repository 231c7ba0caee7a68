import PosternCore

/// One database as the browser shows it. Every text is sanitised once here (escaped as drawn),
/// so what you see is what you filter on.
public struct DatabaseRow: Sendable {
    public let database: Database
    public let name: String
    public let description: String
    public let protocolText: String
    public let typeText: String
    /// `k=v` pairs sorted by key, comma-separated, escaped.
    public let labelsText: String
    /// Escaped keys and values, for label selectors.
    public let labels: [String: String]
    /// What filters read: one field per line, so `^` in a regular expression anchors at a field's start.
    let searchText: String

    public init(_ db: Database) {
        database = db
        name = TextSanitizer.escape(db.name)
        description = TextSanitizer.escape(db.description)
        protocolText = db.protocol.rawValue
        typeText = db.type.rawValue
        var escaped: [String: String] = [:]
        escaped.reserveCapacity(db.labels.count)
        for (k, v) in db.labels { escaped[TextSanitizer.escape(k)] = TextSanitizer.escape(v) }
        labels = escaped
        var pairs = ""
        var search = name + "\n" + description
        for (key, value) in escaped.sorted(by: { $0.key < $1.key }) {
            if !pairs.isEmpty { pairs += "," }
            pairs += key + "=" + value
            search += "\n" + key + "=" + value
        }
        labelsText = pairs
        searchText = search
    }
}

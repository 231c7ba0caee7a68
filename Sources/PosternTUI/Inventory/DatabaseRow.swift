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

    public init(_ db: Database) {
        database = db
        name = TextSanitizer.escape(db.name)
        description = TextSanitizer.escape(db.description)
        protocolText = db.protocol.rawValue
        typeText = db.type.rawValue
        var escaped: [String: String] = [:]
        for (k, v) in db.labels { escaped[TextSanitizer.escape(k)] = TextSanitizer.escape(v) }
        labels = escaped
        labelsText = escaped.keys.sorted().map { "\($0)=\(escaped[$0] ?? "")" }.joined(separator: ",")
    }

    /// What filters read: one field per line, so `^` in a regular expression anchors at a field's start.
    var searchText: String {
        ([name, description] + labels.keys.sorted().map { "\($0)=\(labels[$0] ?? "")" }).joined(separator: "\n")
    }
}

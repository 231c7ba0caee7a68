/// `db ls --labels k=v,k2=v2 --search TEXT`, as `tsh db ls` reads them.
public struct DatabaseQuery: Sendable, Equatable {
    /// Every pair must be present with exactly this value.
    public var labels: Labels
    /// Every keyword must appear (case-insensitively) in the name, description, protocol, type or a label.
    public var keywords: [String]

    public init(labels: Labels = [:], keywords: [String] = []) {
        self.labels = labels
        self.keywords = keywords
    }

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `k=v,k2=v2` and a comma-separated keyword list.
    public init(labels text: String?, search: String?) throws(ParseError) {
        var labels: Labels = [:]
        for pair in (text ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let key = parts.first.map { $0.trimmingWhitespace() } ?? ""
            guard parts.count == 2, !key.isEmpty else {
                throw ParseError(description: "--labels wants key=value pairs separated by commas, got \(quoted(String(pair)))")
            }
            labels[key] = parts[1].trimmingWhitespace()
        }
        let keywords = (search ?? "").split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        self.init(labels: labels, keywords: keywords)
    }

    public func matches(_ db: Database) -> Bool {
        for (k, v) in labels where db.labels[k] != v { return false }
        if keywords.isEmpty { return true }
        let haystack = ([db.name, db.description, db.protocol.rawValue, db.type.rawValue]
            + db.labels.flatMap { [$0.key, $0.value, "\($0.key)=\($0.value)"] }).map { $0.lowercased() }
        return keywords.allSatisfy { k in
            let needle = k.lowercased()
            return haystack.contains { $0.contains(needle) }
        }
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

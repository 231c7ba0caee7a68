/// Writes an event's JSON directly: the fields, sorted by key, in the exact bytes `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]` produces (a test holds the two equal for every kind).
struct AuditJSONWriter: AuditFieldWriter {
    private var fields: [(key: String, json: String)] = []

    init() { fields.reserveCapacity(24) }

    mutating func put(_ v: String, _ key: AuditKey) throws { fields.append((key.rawValue, Self.quoted(v))) }
    mutating func put(_ v: Int64, _ key: AuditKey) throws { fields.append((key.rawValue, String(v))) }
    mutating func put(_ v: UInt64, _ key: AuditKey) throws { fields.append((key.rawValue, String(v))) }
    mutating func put(_ v: Bool, _ key: AuditKey) throws { fields.append((key.rawValue, v ? "true" : "false")) }

    mutating func put(milliseconds us: Int64, _ key: AuditKey) throws {
        let magnitude = us.magnitude
        var text = (us < 0 ? "-" : "") + String(magnitude / 1000)
        if magnitude % 1000 != 0 {
            var frac = String(magnitude % 1000 + 1000).dropFirst()
            while frac.hasSuffix("0") { frac = frac.dropLast() }
            text += "." + frac
        }
        fields.append((key.rawValue, text))
    }

    mutating func put(_ v: [String], _ key: AuditKey) throws {
        fields.append((key.rawValue, "[" + v.map(Self.quoted).joined(separator: ",") + "]"))
    }

    mutating func put(_ v: [String: String], _ key: AuditKey) throws {
        let body = v.sorted { $0.key < $1.key }.map { Self.quoted($0.key) + ":" + Self.quoted($0.value) }
        fields.append((key.rawValue, "{" + body.joined(separator: ",") + "}"))
    }

    func render() -> String {
        var out = "{"
        for (i, f) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { out += "," }
            out += "\"" + f.key + "\":" + f.json
        }
        return out + "}"
    }

    static func quoted(_ s: String) -> String { JSONString.quoted(s) }
}

/// Writes an event's JSON directly: the fields, sorted by key, in the exact bytes `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]` produces (a test holds the two equal for every kind).
/// This runs for every audited statement, so values go straight into one byte buffer and fields
/// are ordered by a precomputed rank of their key, with no string per field.
struct AuditJSONWriter: AuditFieldWriter {
    private struct Field {
        let rank: UInt8
        let start: Int
        let end: Int
    }

    private var values: [UInt8] = []
    private var fields: [Field] = []

    init() {
        values.reserveCapacity(768)
        fields.reserveCapacity(24)
    }

    private mutating func field(_ key: AuditKey, _ write: (inout [UInt8]) -> Void) {
        let start = values.count
        write(&values)
        fields.append(Field(rank: key.sortRank, start: start, end: values.count))
    }

    mutating func put(_ v: String, _ key: AuditKey) throws { field(key) { Self.quote(v, into: &$0) } }
    mutating func put(_ v: Int64, _ key: AuditKey) throws { field(key) { $0.append(contentsOf: String(v).utf8) } }
    mutating func put(_ v: UInt64, _ key: AuditKey) throws { field(key) { $0.append(contentsOf: String(v).utf8) } }
    mutating func put(_ v: Bool, _ key: AuditKey) throws { field(key) { $0.append(contentsOf: (v ? "true" : "false").utf8) } }

    mutating func put(milliseconds us: Int64, _ key: AuditKey) throws {
        let magnitude = us.magnitude
        var text = (us < 0 ? "-" : "") + String(magnitude / 1000)
        if magnitude % 1000 != 0 {
            var frac = String(magnitude % 1000 + 1000).dropFirst()
            while frac.hasSuffix("0") { frac = frac.dropLast() }
            text += "." + frac
        }
        field(key) { $0.append(contentsOf: text.utf8) }
    }

    mutating func put(_ v: [String], _ key: AuditKey) throws {
        field(key) { out in
            out.append(UInt8(ascii: "["))
            for (i, s) in v.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.quote(s, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    mutating func put(_ v: [String: String], _ key: AuditKey) throws {
        field(key) { out in
            out.append(UInt8(ascii: "{"))
            for (i, pair) in v.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.quote(pair.key, into: &out)
                out.append(UInt8(ascii: ":"))
                Self.quote(pair.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    func render() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(values.count + fields.count * 24 + 2)
        out.append(UInt8(ascii: "{"))
        for (i, f) in fields.sorted(by: { $0.rank < $1.rank }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: AuditKey.sortedNames[Int(f.rank)])
            out.append(contentsOf: "\":".utf8)
            out.append(contentsOf: values[f.start..<f.end])
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// JSON string escaping as `JSONEncoder` does it: quote, backslash and C0 controls; the rest,
    /// multi-byte UTF-8 included, is copied as is.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

extension AuditKey {
    /// Every key's name, in the order `.sortedKeys` writes them.
    static let sortedNames: [[UInt8]] = sortedKeys.map { Array($0.rawValue.utf8) }
    private static let sortedKeys: [AuditKey] = allCases.sorted { $0.rawValue < $1.rawValue }
    private static let ranks: [AuditKey: UInt8] =
        Dictionary(uniqueKeysWithValues: sortedKeys.enumerated().map { ($1, UInt8($0)) })

    /// Position among all keys in `.sortedKeys` order.
    var sortRank: UInt8 { Self.ranks[self] ?? UInt8.max }
}

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

    init(capacity: Int = 768, fields fieldCapacity: Int = 24) {
        values.reserveCapacity(capacity)
        fields.reserveCapacity(fieldCapacity)
    }

    private mutating func field(_ key: AuditKey, _ write: (inout [UInt8]) -> Void) {
        let start = values.count
        write(&values)
        fields.append(Field(rank: key.sortRank, start: start, end: values.count))
    }

    mutating func put(_ v: String, _ key: AuditKey) throws { field(key) { JSONString.quote(v, into: &$0) } }
    mutating func put(_ v: Int64, _ key: AuditKey) throws { field(key) { Self.decimal(v, into: &$0) } }
    mutating func put(_ v: UInt64, _ key: AuditKey) throws { field(key) { $0.append(contentsOf: String(v).utf8) } }
    mutating func put(_ v: Bool, _ key: AuditKey) throws { field(key) { $0.append(contentsOf: (v ? "true" : "false").utf8) } }

    mutating func put(_ v: AuditTime, _ key: AuditKey) throws {
        field(key) { out in
            out.append(UInt8(ascii: "\""))
            v.writeRFC3339(into: &out)
            out.append(UInt8(ascii: "\""))
        }
    }

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
                JSONString.quote(s, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    mutating func put(_ v: [String: String], _ key: AuditKey) throws {
        field(key) { out in
            out.append(UInt8(ascii: "{"))
            for (i, pair) in v.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONString.quote(pair.key, into: &out)
                out.append(UInt8(ascii: ":"))
                JSONString.quote(pair.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Field indices in key order. At most a few dozen fields, mostly in order already: an
    /// insertion sort beats `sorted` (no closure context).
    func sortedOrder() -> [Int] {
        var order = [Int](0..<fields.count)
        for i in 1..<max(order.count, 1) {
            let current = order[i]
            var j = i
            while j > 0, fields[order[j - 1]].rank > fields[current].rank {
                order[j] = order[j - 1]
                j -= 1
            }
            order[j] = current
        }
        return order
    }

    /// The JSON object of these fields, in key order.
    func render() -> String {
        let order = sortedOrder()
        var total = 2 + max(fields.count - 1, 0)
        for f in fields { total += AuditKey.sortedNames[Int(f.rank)].count + 3 + f.end - f.start }
        return values.withUnsafeBufferPointer { values in
            String(unsafeUninitializedCapacity: total) { out in
                var at = 0
                func put(_ bytes: some Collection<UInt8>) {
                    at = out[at...].initialize(fromContentsOf: bytes)
                }
                out[at] = UInt8(ascii: "{"); at += 1
                for f in order.map({ fields[$0] }) {
                    if at > 1 { out[at] = UInt8(ascii: ","); at += 1 }
                    out[at] = UInt8(ascii: "\""); at += 1
                    put(AuditKey.sortedNames[Int(f.rank)])
                    put(Self.keyEnd)
                    put(UnsafeBufferPointer(rebasing: values[f.start..<f.end]))
                }
                out[at] = UInt8(ascii: "}"); at += 1
                return at
            }
        }
    }

    private static let keyEnd = Array("\":".utf8)

    /// Decimal digits without a String in between.
    private static func decimal(_ v: Int64, into out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = v.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buf in
            var at = buf.count
            repeat {
                at -= 1
                buf[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: buf[at...])
        }
    }
}

extension AuditKey {
    /// Every key's name, in the order `.sortedKeys` writes them.
    static let sortedNames: [[UInt8]] = sortedKeys.map { Array($0.rawValue.utf8) }
    private static let sortedKeys: [AuditKey] = allCases.sorted { $0.rawValue < $1.rawValue }
    /// Rank by declaration position (the case's tag byte), so finding one is an array read.
    private static let ranksByTag: [UInt8] = {
        var ranks = [UInt8](repeating: UInt8.max, count: allCases.count)
        for (rank, key) in sortedKeys.enumerated() { ranks[Int(key.tag)] = UInt8(rank) }
        return ranks
    }()

    /// A payload-free enum is stored as its declaration index in one byte (a test holds it so).
    var tag: UInt8 { withUnsafeBytes(of: self) { $0[0] } }

    /// Position among all keys in `.sortedKeys` order.
    var sortRank: UInt8 { Self.ranksByTag[Int(tag)] }
}

/// Writes `RESPValue`s as RESP3, or as RESP2 where a RESP2 client needs the same data
/// (maps flattened, doubles as bulk strings, booleans as 0/1, nulls as `$-1`).
public enum RESPEncoder {
    public static func encode(_ value: RESPValue, version: RESPVersion = .resp3) -> [UInt8] {
        var out: [UInt8] = []
        encode(value, version: version, into: &out)
        return out
    }

    public static func encode(_ value: RESPValue, version: RESPVersion = .resp3, into out: inout [UInt8]) {
        let v3 = version == .resp3
        switch value {
        case .simpleString(let s):
            line(43, safeLine(s), into: &out)
        case .error(let s):
            if v3, s.utf8.contains(where: { $0 == 13 || $0 == 10 }) {
                blob(33, Array(s.utf8), into: &out)
            } else {
                line(45, safeLine(s), into: &out)
            }
        case .integer(let n):
            line(58, String(n), into: &out)
        case .bulkString(let b):
            blob(36, b, into: &out)
        case .null:
            out.append(contentsOf: v3 ? [95, 13, 10] : Array("$-1\r\n".utf8))
        case .array(let items):
            aggregate(42, items, version: version, into: &out)
        case .set(let items):
            aggregate(v3 ? 126 : 42, items, version: version, into: &out)
        case .push(let items):
            aggregate(v3 ? 62 : 42, items, version: version, into: &out)
        case .map(let pairs):
            if v3 { line(37, String(pairs.count), into: &out) } else { line(42, String(pairs.count * 2), into: &out) }
            for p in pairs {
                encode(p.key, version: version, into: &out)
                encode(p.value, version: version, into: &out)
            }
        case .double(let d):
            let text = d.isNaN ? "nan" : d.isInfinite ? (d < 0 ? "-inf" : "inf") : "\(d)"
            if v3 { line(44, text, into: &out) } else { blob(36, Array(text.utf8), into: &out) }
        case .boolean(let b):
            if v3 { line(35, b ? "t" : "f", into: &out) } else { line(58, b ? "1" : "0", into: &out) }
        case .bigNumber(let s):
            if v3 { line(40, s, into: &out) } else { blob(36, Array(s.utf8), into: &out) }
        case .verbatim(let format, let text):
            if v3 {
                blob(61, Array((format + ":").utf8) + text, into: &out)
            } else {
                blob(36, text, into: &out)
            }
        case .attribute(let pairs, let inner):
            if v3 {
                line(124, String(pairs.count), into: &out)
                for p in pairs {
                    encode(p.key, version: version, into: &out)
                    encode(p.value, version: version, into: &out)
                }
            }
            encode(inner, version: version, into: &out)
        }
    }

    /// A command as a client sends it: an array of bulk strings.
    public static func command(_ arguments: [String]) -> [UInt8] {
        command(arguments.map { Array($0.utf8) })
    }

    public static func command(_ arguments: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + arguments.reduce(0) { $0 + $1.count + 16 })
        line(42, String(arguments.count), into: &out)
        for a in arguments { blob(36, a, into: &out) }
        return out
    }

    private static func aggregate(_ type: UInt8, _ items: [RESPValue], version: RESPVersion, into out: inout [UInt8]) {
        line(type, String(items.count), into: &out)
        for item in items { encode(item, version: version, into: &out) }
    }

    private static func line(_ type: UInt8, _ text: String, into out: inout [UInt8]) {
        out.append(type)
        out.append(contentsOf: text.utf8)
        out.append(contentsOf: [13, 10])
    }

    private static func blob(_ type: UInt8, _ payload: [UInt8], into out: inout [UInt8]) {
        line(type, String(payload.count), into: &out)
        out.append(contentsOf: payload)
        out.append(contentsOf: [13, 10])
    }

    /// Line types cannot hold CR or LF; they become spaces rather than breaking the framing.
    private static func safeLine(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 13 || $0 == 10 }) else { return s }
        return String(decoding: s.utf8.map { $0 == 13 || $0 == 10 ? 32 : $0 }, as: UTF8.self)
    }
}

extension RESPValue {
    /// The value as `redis-cli` prints it: `"text"`, `(integer) 1`, `(nil)`, `(error) ERR …`,
    /// numbered lines for aggregates, indented under their parent.
    public func rendered() -> String {
        var lines: [String] = []
        render(into: &lines, prefix: "", indent: "")
        return lines.joined(separator: "\n")
    }

    private func render(into lines: inout [String], prefix: String, indent: String) {
        switch self {
        case .simpleString(let s): lines.append(prefix + s)
        case .error(let s): lines.append(prefix + "(error) " + s)
        case .integer(let n): lines.append(prefix + "(integer) \(n)")
        case .bulkString(let b): lines.append(prefix + Self.quoted(b))
        case .null: lines.append(prefix + "(nil)")
        case .double(let d): lines.append(prefix + "(double) " + (d.isNaN ? "nan" : d.isInfinite ? (d < 0 ? "-inf" : "inf") : "\(d)"))
        case .boolean(let b): lines.append(prefix + (b ? "(true)" : "(false)"))
        case .bigNumber(let s): lines.append(prefix + "(big number) " + s)
        case .verbatim(_, let t): lines.append(prefix + String(decoding: t, as: UTF8.self))
        case .array(let items), .set(let items), .push(let items):
            renderList(items.map { ($0, nil) }, into: &lines, prefix: prefix, indent: indent)
        case .map(let pairs):
            renderList(pairs.map { ($0.key, $0.value) }, into: &lines, prefix: prefix, indent: indent)
        case .attribute(_, let inner):
            inner.render(into: &lines, prefix: prefix, indent: indent)
        }
    }

    private func renderList(_ items: [(RESPValue, RESPValue?)], into lines: inout [String], prefix: String, indent: String) {
        guard !items.isEmpty else {
            lines.append(prefix + (self == .map([]) ? "(empty hash)" : "(empty array)"))
            return
        }
        let width = String(items.count).count
        for (k, item) in items.enumerated() {
            // Maps print as redis-cli does: `1# "key" => value`.
            let mark = item.1 == nil ? ") " : "# "
            let number = String(repeating: " ", count: width - String(k + 1).count) + "\(k + 1)" + mark
            let first = k == 0 ? prefix : indent
            let childIndent = indent + String(repeating: " ", count: number.count)
            if let value = item.1 {
                value.render(into: &lines, prefix: first + number + item.0.rendered() + " => ", indent: childIndent)
            } else {
                item.0.render(into: &lines, prefix: first + number, indent: childIndent)
            }
        }
    }

    /// Bytes as `redis-cli` quotes them: printable ASCII as is, `\n` `\r` `\t` `\"` `\\`, others `\xHH`.
    public static func quoted(_ bytes: [UInt8]) -> String {
        var s = "\""
        for b in bytes {
            switch b {
            case 34: s += "\\\""
            case 92: s += "\\\\"
            case 10: s += "\\n"
            case 13: s += "\\r"
            case 9: s += "\\t"
            case 32..<127: s.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let h = String(b, radix: 16)
                s += "\\x" + (h.count == 1 ? "0" + h : h)
            }
        }
        return s + "\""
    }
}

import PosternCore

/// A reply as styled lines, by type: strings quoted, `(integer)`, `(nil)`, `(error)`, and aggregates
/// numbered and indented as redis-cli prints them, RESP3 maps as `key => value`, sets marked `~`.
/// Valid UTF-8 is shown as text (CJK, emoji); other bytes as `\xHH`.
enum RedisReplyLines {
    static func lines(_ value: RESPValue) -> [TextLine] {
        var out: [TextLine] = []
        render(value, into: &out, prefix: [], indent: "")
        return out
    }

    typealias Pieces = [(String, StyleRole)]

    private static func render(_ v: RESPValue, into out: inout [TextLine], prefix: Pieces, indent: String) {
        switch v {
        case .simpleString(let s): out.append(TextLine(prefix + [(s, .allowed)]))
        case .error(let s): out.append(TextLine(prefix + [("(error) " + s, .error)]))
        case .integer(let n): out.append(TextLine(prefix + [("(integer) ", .muted), ("\(n)", .labels)]))
        case .bulkString(let b): out.append(TextLine(prefix + [(quoted(b), .normal)]))
        case .null: out.append(TextLine(prefix + [("(nil)", .muted)]))
        case .double(let d):
            let text = d.isNaN ? "nan" : d.isInfinite ? (d < 0 ? "-inf" : "inf") : "\(d)"
            out.append(TextLine(prefix + [("(double) ", .muted), (text, .labels)]))
        case .boolean(let b): out.append(TextLine(prefix + [(b ? "(true)" : "(false)", .labels)]))
        case .bigNumber(let s): out.append(TextLine(prefix + [("(big number) ", .muted), (s, .labels)]))
        case .verbatim(_, let t): out.append(TextLine(prefix + [(String(decoding: t, as: UTF8.self), .normal)]))
        case .attribute(_, let inner): render(inner, into: &out, prefix: prefix, indent: indent)
        case .array(let items): list(items.map { ($0, nil) }, empty: "(empty array)", mark: ") ", into: &out, prefix: prefix, indent: indent)
        case .push(let items): list(items.map { ($0, nil) }, empty: "(empty push)", mark: ") ", into: &out, prefix: prefix, indent: indent)
        case .set(let items): list(items.map { ($0, nil) }, empty: "(empty set)", mark: "~ ", into: &out, prefix: prefix, indent: indent)
        case .map(let pairs): list(pairs.map { ($0.key, $0.value) }, empty: "(empty map)", mark: "# ", into: &out, prefix: prefix, indent: indent)
        }
    }

    private static func list(_ items: [(RESPValue, RESPValue?)], empty: String, mark: String, into out: inout [TextLine],
                             prefix: Pieces, indent: String) {
        guard !items.isEmpty else {
            out.append(TextLine(prefix + [(empty, .muted)]))
            return
        }
        let width = String(items.count).count
        for (k, item) in items.enumerated() {
            let number = String(repeating: " ", count: width - String(k + 1).count) + "\(k + 1)" + mark
            let first: Pieces = k == 0 ? prefix : [(indent, .normal)]
            let childIndent = indent + String(repeating: " ", count: number.count)
            if let value = item.1 {
                let key = lines(item.0).first?.segments.map { ($0.text, StyleRole.key) } ?? []
                render(value, into: &out, prefix: first + [(number, .muted)] + key + [(" => ", .muted)], indent: childIndent)
            } else {
                render(item.0, into: &out, prefix: first + [(number, .muted)], indent: childIndent)
            }
        }
    }

    /// `"text"`: valid UTF-8 as text with `\n`, `\"`, `\\` escaped (other controls are escaped when
    /// drawn); anything else byte by byte as redis-cli does.
    static func quoted(_ bytes: [UInt8]) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { return RESPValue.quoted(bytes) }
        var s = "\""
        for ch in text.unicodeScalars {
            switch ch {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            default: s.unicodeScalars.append(ch)
            }
        }
        return s + "\""
    }
}

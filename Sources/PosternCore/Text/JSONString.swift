/// A JSON string literal as `JSONEncoder` writes it with `.withoutEscapingSlashes`: quote, backslash
/// and C0 controls escaped (`\n`, `\b`…, else `\u00XX`), everything else as is.
public enum JSONString {
    public static func quoted(_ s: String) -> String {
        var out = "\""
        guard s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return out + s + "\"" }
        let hex: [Character] = Array("0123456789abcdef")
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}": out += "\\u00" + String(hex[Int(u.value >> 4)]) + String(hex[Int(u.value & 0xF)])
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

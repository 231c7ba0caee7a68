/// Makes any string safe to print on a terminal: control characters, escapes and
/// bidirectional overrides are shown escaped (`\e`, `\n`, `\u{202E}`), never interpreted.
public enum TextSanitizer {
    public static func escape(_ s: String) -> String {
        // Printable ASCII (almost every name and label) needs nothing: one byte scan.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return s }
        guard s.unicodeScalars.contains(where: needsEscape) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for scalar in s.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\u{1B}": out += "\\e"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x00...0x1F, 0x7F...0x9F: return true       // C0 and C1 controls (ESC, CSI, BEL, …)
        case 0x200B...0x200F, 0x202A...0x202E, 0x2066...0x2069: return true // zero-width and bidi controls
        case 0xFEFF: return true
        default: return false
        }
    }
}

/// A JSON string literal as `JSONEncoder` writes it with `.withoutEscapingSlashes`: quote, backslash
/// and C0 controls escaped (`\n`, `\b`…, else `\u00XX`), everything else as is.
public enum JSONString {
    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        quote(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// JSON string escaping as `JSONEncoder` does it: quote, backslash and C0 controls; the rest,
    /// multi-byte UTF-8 included, is copied as is. Runs of plain bytes are copied in one piece
    /// (this runs for every audited statement).
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var plainFrom = 0
            for (i, b) in bytes.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                if plainFrom < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainFrom..<i])) }
                plainFrom = i + 1
                escape(b, into: &out)
            }
            if plainFrom < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainFrom...])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escape(_ b: UInt8, into out: inout [UInt8]) {
        switch b {
        case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
        default:
            out.append(contentsOf: "\\u00".utf8)
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0xF)])
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

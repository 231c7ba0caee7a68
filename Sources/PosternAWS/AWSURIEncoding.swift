/// Percent-encoding as SigV4 defines it: every byte of the UTF-8 form is encoded except the
/// unreserved `A–Z a–z 0–9 - _ . ~`, with upper-case hex and space as `%20` (never `+`).
/// Form encoding (`+` for space, `*` left alone) is a different thing and breaks signatures.
public enum AWSURIEncoding {
    /// Encodes a query name or value, or any other single component.
    public static func encode(_ string: String) -> String {
        encode(string, keepingSlash: false)
    }

    /// Encodes a path, leaving `/` as the segment separator.
    public static func encodePath(_ path: String) -> String {
        encode(path, keepingSlash: true)
    }

    /// Whether the byte is one of SigV4's unreserved characters.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func encode(_ string: String, keepingSlash: Bool) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

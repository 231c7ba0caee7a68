/// Splits a typed command line into arguments as redis-cli does: spaces separate, "double quotes"
/// take `\n \r \t \" \\ \xHH` escapes, 'single quotes' take `\'` only.
enum RedisCommandLine {
    struct Unbalanced: Error, Equatable {}

    static func split(_ line: String) throws(Unbalanced) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var current: [UInt8] = []
        var inWord = false
        var bytes = Array(line.utf8)[...]
        while let b = bytes.popFirst() {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                if inWord { out.append(current); current = []; inWord = false }
            case UInt8(ascii: "\""):
                inWord = true
                try readDouble(&bytes, into: &current)
            case UInt8(ascii: "'"):
                inWord = true
                try readSingle(&bytes, into: &current)
            default:
                inWord = true
                current.append(b)
            }
        }
        if inWord { out.append(current) }
        return out
    }

    private static func readDouble(_ bytes: inout ArraySlice<UInt8>, into current: inout [UInt8]) throws(Unbalanced) {
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "\"") { return }
            guard b == UInt8(ascii: "\\"), let e = bytes.popFirst() else { current.append(b); continue }
            switch e {
            case UInt8(ascii: "n"): current.append(10)
            case UInt8(ascii: "r"): current.append(13)
            case UInt8(ascii: "t"): current.append(9)
            case UInt8(ascii: "x"):
                let hex = bytes.prefix(2)
                if hex.count == 2, let v = UInt8(String(decoding: hex, as: UTF8.self), radix: 16) {
                    current.append(v)
                    bytes.removeFirst(2)
                } else {
                    current.append(e)
                }
            default: current.append(e)
            }
        }
        throw Unbalanced()
    }

    private static func readSingle(_ bytes: inout ArraySlice<UInt8>, into current: inout [UInt8]) throws(Unbalanced) {
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "'") { return }
            if b == UInt8(ascii: "\\"), bytes.first == UInt8(ascii: "'") {
                current.append(bytes.removeFirst())
            } else {
                current.append(b)
            }
        }
        throw Unbalanced()
    }
}

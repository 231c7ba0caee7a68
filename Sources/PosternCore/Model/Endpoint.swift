/// Host and port of a database URI: `host:port`, `scheme://host:port/...` or `[v6]:port`.
public struct Endpoint: Sendable, Equatable {
    public var host: String
    public var port: Int?

    public init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    /// Parsed on the URI's bytes: every delimiter is ASCII, and this runs for every database a
    /// listing shows (its type comes from the host).
    public init?(uri: String) {
        let b = Array(uri.utf8)
        var lo = 0, hi = b.count
        if let scheme = Self.firstIndex(of: Array("://".utf8), in: b) { lo = scheme + 3 }
        if let at = b[lo..<hi].lastIndex(of: UInt8(ascii: "@")) { lo = at + 1 }
        if let slash = b[lo..<hi].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) { hi = slash }
        func text(_ r: Range<Int>) -> String { String(decoding: b[r], as: UTF8.self) }
        if lo < hi, b[lo] == UInt8(ascii: "[") {
            guard let close = b[lo..<hi].firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = text((lo + 1)..<close)
            if close + 1 == hi {
                port = nil
            } else {
                guard b[close + 1] == UInt8(ascii: ":"), let p = Self.port(text((close + 2)..<hi)) else { return nil }
                port = p
            }
        } else if let colon = b[lo..<hi].lastIndex(of: UInt8(ascii: ":")) {
            host = text(lo..<colon)
            guard let p = Self.port(text((colon + 1)..<hi)) else { return nil }
            port = p
        } else {
            host = text(lo..<hi)
            port = nil
        }
        if host.isEmpty { return nil }
    }

    private static func port(_ s: String) -> Int? {
        guard let p = Int(s), (1...65535).contains(p) else { return nil }
        return p
    }

    private static func firstIndex(of needle: [UInt8], in b: [UInt8]) -> Int? {
        guard b.count >= needle.count else { return nil }
        for i in 0...(b.count - needle.count) where b[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }
}

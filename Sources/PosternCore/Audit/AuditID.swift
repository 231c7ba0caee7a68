/// Random (version 4) UUIDs in lowercase, as Teleport writes `uid` and `sid`, from the system
/// generator: Foundation's UUID opens and reads /dev/urandom for each one, three system calls on the
/// path of every audited statement.
enum AuditID {
    static func make() -> String {
        var g = SystemRandomNumberGenerator()
        var b = [UInt8](repeating: 0, count: 16)
        b.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: g.next() as UInt64, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: g.next() as UInt64, toByteOffset: 8, as: UInt64.self)
        }
        b[6] = b[6] & 0x0F | 0x40 // version 4
        b[8] = b[8] & 0x3F | 0x80 // RFC 4122 variant
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, byte) in b.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(45) } // '-'
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

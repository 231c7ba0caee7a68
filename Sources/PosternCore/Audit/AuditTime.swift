#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An event time in UTC with nanosecond resolution, printed as Go's RFC 3339 (`time.RFC3339Nano`:
/// trailing zeros of the fraction dropped, as Teleport's JSON has it) so an event round-trips exactly.
/// Kept as integer nanoseconds rather than `Date`, whose `Double` would not round-trip a parsed fraction.
public struct AuditTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public init(seconds: Int64, nanos: Int64 = 0) { nanoseconds = seconds * 1_000_000_000 + nanos }

    /// The wall clock now (CLOCK_REALTIME).
    public static func now() -> AuditTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return AuditTime(seconds: Int64(ts.tv_sec), nanos: Int64(ts.tv_nsec))
    }

    public static func < (a: AuditTime, b: AuditTime) -> Bool { a.nanoseconds < b.nanoseconds }

    public func adding(nanoseconds n: Int64) -> AuditTime { AuditTime(nanoseconds: nanoseconds + n) }

    public var description: String { rfc3339 }

    public var rfc3339: String {
        var out: [UInt8] = []
        out.reserveCapacity(30)
        writeRFC3339(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The RFC 3339 text as bytes, with no String per part (one per audited event).
    func writeRFC3339(into out: inout [UInt8]) {
        let secs = CivilDate.floorDiv(nanoseconds, 1_000_000_000)
        // A remainder, not `nanoseconds - secs * 10^9`: that overflows near Int64.min (a time a
        // damaged audit record can hold, and must still be shown).
        var frac = nanoseconds % 1_000_000_000
        if frac < 0 { frac += 1_000_000_000 }
        let days = CivilDate.floorDiv(secs, 86_400)
        let sod = secs - days * 86_400
        let (y, m, d) = CivilDate.fromDays(days)
        func digits(_ v: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(v / divisor % 10))
                divisor /= 10
            }
        }
        // Years beyond four digits (never from a clock; kept exact for parsed input) are written whole.
        if (0...9999).contains(y) { digits(y, 4) } else { out.append(contentsOf: pad(y, 4).utf8) }
        out.append(UInt8(ascii: "-")); digits(m, 2); out.append(UInt8(ascii: "-")); digits(d, 2)
        out.append(UInt8(ascii: "T"))
        digits(sod / 3600, 2); out.append(UInt8(ascii: ":")); digits(sod / 60 % 60, 2)
        out.append(UInt8(ascii: ":")); digits(sod % 60, 2)
        if frac != 0 {
            var f = frac, width = 9
            while f % 10 == 0 { f /= 10; width -= 1 }
            out.append(UInt8(ascii: "."))
            digits(f, width)
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// Parses RFC 3339 (`2023-10-06T10:58:32.88Z`, `…+02:00`); fractions beyond nanoseconds, and
    /// times outside 1677–2262, are refused.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for c in b[from..<from + count] {
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116, b[13] == 58, b[16] == 58,
              let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
              let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if b[i] == 46 {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                guard digits < 9 else { return nil }
                nanos = nanos * 10 + Int64(b[i] - 48)
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanos *= 10 }
        }
        var offset: Int64 = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45, b.count == i + 6, b[i + 3] == 58,
                  let oh = num(i + 1, 2), let om = num(i + 4, 2) {
            offset = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let secs = CivilDate.days(year: y, month: mo, day: d) * 86_400 + h * 3600 + mi * 60 + s - offset
        // Nanoseconds in Int64 reach from 1677 to 2262: a time outside is not one (never a trap).
        // Before 1970 the second after is scaled and the fraction taken off it, so the earliest
        // time an Int64 holds (which `rfc3339` writes) reads back too.
        let (whole, below) = secs < 0 && nanos > 0 ? (secs + 1, nanos - 1_000_000_000) : (secs, nanos)
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = scaled.addingReportingOverflow(below)
        guard !overflow, !overflow2 else { return nil }
        self.init(nanoseconds: total)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let t = AuditTime(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an RFC 3339 time: \(text)")
        }
        self = t
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rfc3339)
    }
}

private func pad(_ v: Int64, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

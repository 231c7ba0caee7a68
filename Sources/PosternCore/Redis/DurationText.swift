/// Durations written as Go (and so Teleport) writes them: `15m`, `90s`, `1h30m`, `500ms`.
public enum DurationText {
    /// Why a text is not a duration.
    public enum Problem: Error, Equatable, Sendable {
        case malformed
        /// Past Go's limit, `Int64` nanoseconds: 2562047h47m16.854775807s (106751 days, about 292 years).
        case tooLong
    }

    /// Parses a sequence of number-and-unit pairs (`h`, `m`, `s`, `ms`, and `d` when `days`, which
    /// Go does not have); nil when malformed or longer than Go allows.
    public static func parse(_ text: String, days: Bool = false) -> Duration? {
        (try? nanoseconds(text, days: days)).map { .nanoseconds($0) }
    }

    /// As `parse`, in nanoseconds: within `Int64` as a Go `time.Duration`, so whoever takes the
    /// duration on (a sleep, a time stamp) never overflows.
    public static func nanoseconds(_ text: String, days: Bool = false) throws(Problem) -> Int64 {
        let units: [(String, Int64)] = [("ms", 1_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000)]
            + (days ? [("d", 86_400_000_000_000)] : [])
        var rest = Substring(text)
        var total: Int64 = 0
        guard !rest.isEmpty else { throw .malformed }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty else { throw .malformed }
            rest = rest.dropFirst(digits.count)
            guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) }) else { throw .malformed }
            rest = rest.dropFirst(unit.count)
            // ASCII digits that do not fit Int64 are simply too many.
            guard let value = Int64(digits) else { throw .tooLong }
            let (product, overflow) = value.multipliedReportingOverflow(by: scale)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow, !overflow2 else { throw .tooLong }
            total = sum
        }
        return total
    }

    /// Writes a duration as Go does, to the millisecond: `1h30m`, `90s` → `1m30s`, `500ms`.
    public static func format(_ d: Duration) -> String {
        var millis = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        if millis <= 0 { return "0s" }
        var out = ""
        for (unit, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1_000)] where millis >= size {
            out += "\(millis / size)\(unit)"
            millis %= size
        }
        if millis > 0 { out += "\(millis)ms" }
        return out
    }
}

/// Durations written as Go (and so Teleport) writes them: `15m`, `90s`, `1h30m`, `500ms`.
public enum DurationText {
    /// Parses a sequence of number-and-unit pairs (`h`, `m`, `s`, `ms`); nil when malformed.
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)]
        var rest = Substring(text)
        var total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (unit, millis) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: millis)
            guard !overflow else { return nil }
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow2 else { return nil }
            total = sum
        }
        return .milliseconds(total)
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

import Foundation

/// The two time stamps SigV4 needs, formatted from a `Date` in UTC without `DateFormatter`
/// (which is slow, locale-sensitive and not what a signing hot path wants).
struct AMZDate: Sendable, Equatable {
    /// `YYYYMMDD'T'HHMMSS'Z'`, as in `X-Amz-Date`.
    let dateTime: String
    /// `YYYYMMDD`, as in the credential scope.
    let date: String
    /// `YYYY-MM-DDTHH:MM:SSZ`, for human-readable output.
    let iso8601: String
    /// Whole seconds since 1970; fractions are dropped, as botocore's strftime does.
    let epochSeconds: Int64

    init(_ instant: Date) {
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = Self.floorDivide(seconds, 86_400)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        let hour = secondOfDay / 3600
        let minute = secondOfDay % 3600 / 60
        let second = secondOfDay % 60

        let ymd = Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(day, 2)
        let hms = Self.pad(hour, 2) + Self.pad(minute, 2) + Self.pad(second, 2)
        self.epochSeconds = seconds
        self.date = ymd
        self.dateTime = ymd + "T" + hms + "Z"
        self.iso8601 = Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2) + "T"
            + Self.pad(hour, 2) + ":" + Self.pad(minute, 2) + ":" + Self.pad(second, 2) + "Z"
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days).
    private static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

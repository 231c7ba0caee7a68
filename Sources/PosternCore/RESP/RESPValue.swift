/// One RESP value, RESP2 or RESP3. Bulk payloads are bytes (Redis values are binary); line types
/// (simple strings, errors, big numbers) are text because the protocol forbids CR/LF in them.
public indirect enum RESPValue: Sendable, Hashable {
    /// `+OK`
    case simpleString(String)
    /// `-ERR …` or a RESP3 blob error `!`.
    case error(String)
    /// `:42`
    case integer(Int64)
    /// `$5\r\nhello`
    case bulkString([UInt8])
    /// RESP2 `$-1` / `*-1`, RESP3 `_`.
    case null
    /// `*N`
    case array([RESPValue])
    /// RESP3 `%N`: pairs in the order the server sent them (keys may be any value).
    case map([RESPPair])
    /// RESP3 `~N`
    case set([RESPValue])
    /// RESP3 `,3.14` (also `inf`, `-inf`, `nan`).
    case double(Double)
    /// RESP3 `#t` / `#f`
    case boolean(Bool)
    /// RESP3 `(1234…`: kept as its decimal text.
    case bigNumber(String)
    /// RESP3 `=N\r\ntxt:…`: a three-letter format and the text.
    case verbatim(format: String, text: [UInt8])
    /// RESP3 `>N`: out-of-band data (pub/sub messages, invalidations).
    case push([RESPValue])
    /// RESP3 `|N` attributes and the value they annotate.
    case attribute([RESPPair], RESPValue)

    /// A bulk string from text.
    public static func bulk(_ text: String) -> RESPValue { .bulkString(Array(text.utf8)) }

    /// The payload as text for string-like values (bulk, simple, verbatim, error), else nil.
    public var text: String? {
        switch self {
        case .simpleString(let s), .error(let s), .bigNumber(let s): return s
        case .bulkString(let b): return String(decoding: b, as: UTF8.self)
        case .verbatim(_, let t): return String(decoding: t, as: UTF8.self)
        case .attribute(_, let v): return v.text
        default: return nil
        }
    }

    public var isError: Bool {
        if case .error = self { return true }
        if case .attribute(_, let v) = self { return v.isError }
        return false
    }
}

/// One key/value pair of a RESP3 map or attribute.
public struct RESPPair: Sendable, Hashable {
    public var key: RESPValue
    public var value: RESPValue

    public init(_ key: RESPValue, _ value: RESPValue) {
        self.key = key
        self.value = value
    }
}

/// The RESP type bytes.
public enum RESPType: UInt8, Sendable {
    case simpleString = 43 // +
    case error = 45 // -
    case integer = 58 // :
    case bulkString = 36 // $
    case array = 42 // *
    case null = 95 // _
    case double = 44 // ,
    case boolean = 35 // #
    case blobError = 33 // !
    case verbatim = 61 // =
    case bigNumber = 40 // (
    case map = 37 // %
    case set = 126 // ~
    case attribute = 124 // |
    case push = 62 // >

    /// The name used in audit results and the console (`simple-string`, `array`, …).
    public var name: String {
        switch self {
        case .simpleString: return "simple-string"
        case .error: return "error"
        case .integer: return "integer"
        case .bulkString: return "bulk-string"
        case .array: return "array"
        case .null: return "null"
        case .double: return "double"
        case .boolean: return "boolean"
        case .blobError: return "blob-error"
        case .verbatim: return "verbatim-string"
        case .bigNumber: return "big-number"
        case .map: return "map"
        case .set: return "set"
        case .attribute: return "attribute"
        case .push: return "push"
        }
    }

    /// Types whose header line is a count of elements.
    var isAggregate: Bool {
        switch self {
        case .array, .map, .set, .attribute, .push: return true
        default: return false
        }
    }

    /// Types whose header line is a payload length.
    var isBlob: Bool { self == .bulkString || self == .blobError || self == .verbatim }
}

/// The protocol version a connection speaks (HELLO 2 | HELLO 3).
public enum RESPVersion: Int, Sendable {
    case resp2 = 2
    case resp3 = 3
}

/// Bounds on what a RESP peer may send, so abuse becomes a typed error instead of unbounded
/// memory or deep recursion.
public struct RESPLimits: Sendable, Equatable {
    /// Largest bulk/blob payload (Redis's own `proto-max-bulk-len` default is 512 MiB).
    public var maxBulkLength: Int
    /// Deepest nesting of aggregates.
    public var maxDepth: Int
    /// Most elements in one aggregate (a map's pairs count twice).
    public var maxAggregateLength: Int
    /// Longest header or simple line (Redis's inline limit is 64 KiB).
    public var maxLineLength: Int
    /// Largest whole message, for consumers that hold messages before using them.
    public var maxMessageLength: Int

    public init(maxBulkLength: Int = 512 << 20, maxDepth: Int = 32, maxAggregateLength: Int = 1 << 24,
                maxLineLength: Int = 64 << 10, maxMessageLength: Int = 512 << 20) {
        self.maxBulkLength = maxBulkLength
        self.maxDepth = maxDepth
        self.maxAggregateLength = maxAggregateLength
        self.maxLineLength = maxLineLength
        self.maxMessageLength = maxMessageLength
    }

    /// For replies relayed as they arrive (nothing is held, so only structure is bounded).
    public static let streaming = RESPLimits(maxBulkLength: Int(Int32.max), maxAggregateLength: Int(Int32.max),
                                             maxLineLength: Int.max, maxMessageLength: Int.max)
}

/// What is wrong with a RESP stream. `message` is Redis's own wording where it has one.
public enum RESPError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownType(UInt8)
    case invalidLength
    case invalidMultibulkLength
    case bulkTooLong(Int)
    case aggregateTooLong(Int)
    case tooDeep(Int)
    case lineTooLong
    case messageTooLarge
    case missingCRLF
    case invalidInteger
    case invalidDouble
    case invalidBoolean
    case invalidVerbatim
    case expectedBulk(UInt8)
    case unbalancedQuotes

    public var description: String {
        switch self {
        case .unknownType(let b): return "Protocol error: unknown type byte \(RESPError.show(b))"
        case .invalidLength: return "Protocol error: invalid bulk length"
        case .invalidMultibulkLength: return "Protocol error: invalid multibulk length"
        case .bulkTooLong(let n): return "Protocol error: bulk length \(n) exceeds the limit"
        case .aggregateTooLong(let n): return "Protocol error: aggregate of \(n) elements exceeds the limit"
        case .tooDeep(let n): return "Protocol error: nesting deeper than \(n)"
        case .lineTooLong: return "Protocol error: too big inline request"
        case .messageTooLarge: return "Protocol error: message exceeds the size limit"
        case .missingCRLF: return "Protocol error: expected CRLF"
        case .invalidInteger: return "Protocol error: invalid integer"
        case .invalidDouble: return "Protocol error: invalid double"
        case .invalidBoolean: return "Protocol error: invalid boolean"
        case .invalidVerbatim: return "Protocol error: invalid verbatim string"
        case .expectedBulk(let b): return "Protocol error: expected '$', got \(RESPError.show(b))"
        case .unbalancedQuotes: return "Protocol error: unbalanced quotes in request"
        }
    }

    static func show(_ b: UInt8) -> String {
        (32..<127).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "0x" + String(b, radix: 16)
    }
}

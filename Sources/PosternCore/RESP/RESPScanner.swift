/// Finds where RESP messages end in a byte stream fed in arbitrary chunks, without building
/// values or holding payloads: a proxy forwards the original bytes and learns only each
/// message's boundary, type, error text and first element. State survives between chunks, so
/// every byte is looked at once whatever the chunking.
public struct RESPScanner: Sendable {
    /// What the scanner learned about one complete top-level message.
    public struct Message: Sendable, Equatable {
        /// The message's type (an attribute's annotated value, not the attribute).
        public var type: RESPType
        /// Error text for `-`/`!` (first `captureLimit` bytes).
        public var errorText: String?
        /// The first element of a top-level array or push when it is a short string
        /// (`message`, `subscribe`, …), lowercased; how pub/sub traffic is told from replies.
        public var head: String?
        /// Total bytes of the message.
        public var length: Int
    }

    public let limits: RESPLimits
    static let captureLimit = 512
    static let headLimit = 32

    /// An aggregate being read. An attribute's frame also holds the value it annotates (its last
    /// element), so a chain of attributes nests, and counts against `maxDepth`, as the decoder
    /// recurses into it.
    private struct Frame: Sendable {
        var count: Int
        var remaining: Int
        var isAttribute: Bool

        /// An attribute whose pairs are read, waiting for (or reading) the value it annotates.
        var annotating: Bool { isAttribute && remaining == 1 }
    }

    private enum Phase: Sendable {
        case type
        case line
        case lineLF
        case blob
        case blobCR
        case blobLF
    }

    private enum Capture: Sendable {
        case none
        case error
        case head
    }

    private var stack: [Frame] = []
    private var phase = Phase.type
    private var kind = RESPType.simpleString
    private var line: [UInt8] = []
    private var lineLength = 0
    private var blobRemaining = 0
    private var topType: RESPType?
    private var capture = Capture.none
    private var captured: [UInt8] = []
    private var errorText: String?
    private var head: String?
    private var messageLength = 0

    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
        line.reserveCapacity(32)
    }

    /// True between messages (nothing of a message seen yet).
    public var atBoundary: Bool { phase == .type && stack.isEmpty && messageLength == 0 }

    /// Scans `bytes`; `onMessage(end, message)` is called for each message completed, `end`
    /// being the offset in `bytes` just past it. Throws at the first protocol violation (the
    /// stream cannot be trusted after that).
    public mutating func scan(_ bytes: UnsafeRawBufferPointer,
                              _ onMessage: (Int, Message) -> Void) throws(RESPError) {
        let n = bytes.count
        var i = 0
        var chunkStart = 0
        while i < n {
            switch phase {
            case .type:
                guard let type = RESPType(rawValue: bytes[i]) else { throw .unknownType(bytes[i]) }
                i += 1
                begin(type)
            case .line:
                let from = i
                while i < n, bytes[i] != 13, bytes[i] != 10 { i += 1 }
                try takeLine(UnsafeRawBufferPointer(rebasing: bytes[from..<i]))
                if i < n {
                    guard bytes[i] == 13 else { throw .missingCRLF }
                    i += 1
                    phase = .lineLF
                }
            case .lineLF:
                guard bytes[i] == 10 else { throw .missingCRLF }
                i += 1
                messageLength += i - chunkStart
                chunkStart = i
                if messageLength > limits.maxMessageLength { throw .messageTooLarge }
                if try endLine(), let message = valueDone() { onMessage(i, message) }
            case .blob:
                let take = min(blobRemaining, n - i)
                if capture != .none, captured.count < Self.captureLimit {
                    captured.append(contentsOf: bytes[i..<(i + min(take, Self.captureLimit - captured.count))])
                }
                i += take
                blobRemaining -= take
                if blobRemaining == 0 { phase = .blobCR }
            case .blobCR:
                guard bytes[i] == 13 else { throw .missingCRLF }
                i += 1
                phase = .blobLF
            case .blobLF:
                guard bytes[i] == 10 else { throw .missingCRLF }
                i += 1
                messageLength += i - chunkStart
                chunkStart = i
                if messageLength > limits.maxMessageLength { throw .messageTooLarge }
                endCapture()
                if let message = valueDone() { onMessage(i, message) }
            }
        }
        messageLength += n - chunkStart
        if messageLength > limits.maxMessageLength { throw .messageTooLarge }
    }

    private mutating func begin(_ type: RESPType) {
        kind = type
        phase = .line
        line.removeAll(keepingCapacity: true)
        lineLength = 0
        capture = .none
        if atTopLevel(stack.count) {
            if type != .attribute { topType = type }
            if type == .error || type == .blobError { capture = .error }
        } else if type == .bulkString || type == .simpleString, let top = stack.last, !top.isAttribute,
                  top.remaining == top.count, atTopLevel(stack.count - 1) {
            capture = .head
        }
        if capture != .none { captured.removeAll(keepingCapacity: true) }
    }

    private mutating func takeLine(_ part: UnsafeRawBufferPointer) throws(RESPError) {
        lineLength += part.count
        if lineLength > limits.maxLineLength { throw .lineTooLong }
        switch kind {
        case .simpleString, .error:
            if capture != .none, captured.count < Self.captureLimit {
                captured.append(contentsOf: part.prefix(Self.captureLimit - captured.count))
            }
        default:
            // Numeric headers are short; a long one is abuse.
            if lineLength > 4096 { throw .lineTooLong }
            line.append(contentsOf: part)
        }
    }

    /// A header or simple line is complete. Returns true when it completed a value.
    private mutating func endLine() throws(RESPError) -> Bool {
        phase = .type
        switch kind {
        case .simpleString, .error:
            endCapture()
            return true
        case .integer:
            _ = try Self.integer(line)
            return true
        case .bigNumber:
            var digits = line[...]
            if digits.first == 45 || digits.first == 43 { digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }) else { throw .invalidInteger }
            return true
        case .double:
            guard Self.double(line) != nil else { throw .invalidDouble }
            return true
        case .boolean:
            guard line.count == 1, line[0] == 116 || line[0] == 102 else { throw .invalidBoolean }
            return true
        case .null:
            guard line.isEmpty else { throw .invalidLength }
            return true
        case .bulkString, .blobError, .verbatim:
            let length = try Self.integer(line)
            if length == -1, kind == .bulkString { return nullValue() }
            guard length >= 0 else { throw .invalidLength }
            guard length <= limits.maxBulkLength else { throw .bulkTooLong(Int(length)) }
            guard Int(length) <= limits.maxMessageLength - messageLength - 2 else { throw .messageTooLarge }
            blobRemaining = Int(length)
            phase = blobRemaining == 0 ? .blobCR : .blob
            return false
        case .array, .map, .set, .attribute, .push:
            let count = try Self.integer(line)
            if count == -1, kind == .array { return nullValue() }
            guard count >= 0 else { throw .invalidMultibulkLength }
            guard count <= limits.maxAggregateLength else { throw .aggregateTooLong(Int(count)) }
            // An attribute's pairs, then the value it annotates.
            let elements = kind == .map ? count * 2 : kind == .attribute ? count * 2 + 1 : count
            guard elements <= limits.maxAggregateLength else { throw .aggregateTooLong(Int(count)) }
            guard stack.count < limits.maxDepth else { throw .tooDeep(limits.maxDepth) }
            if elements == 0 { return true }
            stack.append(Frame(count: Int(elements), remaining: Int(elements), isAttribute: kind == .attribute))
            return false
        }
    }

    /// True when a value begun inside the first `depth` frames is the message itself (those frames
    /// being attributes that annotate it).
    private func atTopLevel(_ depth: Int) -> Bool {
        stack[0..<depth].allSatisfy(\.annotating)
    }

    /// RESP2's `$-1` and `*-1` are nulls.
    private mutating func nullValue() -> Bool {
        kind = .null
        if atTopLevel(stack.count) { topType = .null }
        return true
    }

    private mutating func endCapture() {
        switch capture {
        case .none: break
        case .error: errorText = String(decoding: captured, as: UTF8.self)
        case .head:
            if captured.count <= Self.headLimit { head = String(decoding: captured, as: UTF8.self).lowercased() }
        }
        capture = .none
    }

    /// After a value completed: pops finished aggregates; returns the message when the top level is done.
    private mutating func valueDone() -> Message? {
        phase = .type
        while !stack.isEmpty {
            stack[stack.count - 1].remaining -= 1
            if stack[stack.count - 1].remaining > 0 { return nil }
            stack.removeLast()
        }
        return finishMessage()
    }

    private mutating func finishMessage() -> Message? {
        guard let type = topType else { return nil }
        let message = Message(type: type, errorText: errorText, head: head, length: messageLength)
        topType = nil
        errorText = nil
        head = nil
        messageLength = 0
        return message
    }

    /// Parses a signed decimal integer.
    static func integer<C: Collection<UInt8>>(_ digits: C) throws(RESPError) -> Int64 {
        // Accumulated on the negative side, which also holds Int64.min.
        var value: Int64 = 0
        var negative = false
        var any = false
        for (k, b) in digits.enumerated() {
            if k == 0, b == 45 { negative = true; continue }
            if k == 0, b == 43 { continue }
            guard (48...57).contains(b) else { throw .invalidInteger }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(b - 48))
            guard !o1, !o2 else { throw .invalidInteger }
            value = s
            any = true
        }
        guard any else { throw .invalidInteger }
        if negative { return value }
        guard value != .min else { throw .invalidInteger }
        return -value
    }

    /// Parses a RESP3 double (`inf`, `-inf`, `nan` included).
    static func double<C: Collection<UInt8>>(_ text: C) -> Double? {
        guard !text.isEmpty, text.count < 400,
              text.allSatisfy({ (48...57).contains($0) || [43, 45, 46, 101, 69, 105, 110, 102, 97].contains($0) })
        else { return nil }
        let s = String(decoding: text, as: UTF8.self)
        switch s {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default: return Double(s)
        }
    }
}

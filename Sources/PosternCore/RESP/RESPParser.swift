/// Builds `RESPValue`s from a byte stream fed in chunks (the console's Redis client uses it).
/// The scanner finds each message's end first, so a value is decoded once it is whole, and
/// the limits bound what is held.
public struct RESPParser: Sendable {
    private var scanner: RESPScanner
    private var buffer: [UInt8] = []
    private var start = 0
    private var ready: [Int] = []
    private var readyHead = 0

    public init(limits: RESPLimits = RESPLimits()) {
        scanner = RESPScanner(limits: limits)
    }

    /// Bytes held (of messages not yet returned).
    public var bufferedBytes: Int { buffer.count - start }

    /// Adds bytes from the peer. Throws at the first protocol violation.
    public mutating func append<C: Collection<UInt8>>(_ bytes: C) throws(RESPError) {
        compact()
        let base = buffer.count
        buffer.append(contentsOf: bytes)
        var ends: [Int] = []
        var scanner = self.scanner
        defer { self.scanner = scanner }
        let outcome = buffer.withUnsafeBytes { all -> RESPError? in
            do throws(RESPError) {
                try scanner.scan(UnsafeRawBufferPointer(rebasing: all[base...])) { end, _ in ends.append(base + end) }
                return nil
            } catch {
                return error
            }
        }
        ready.append(contentsOf: ends)
        if let outcome { throw outcome }
    }

    /// The next complete value, or nil until more bytes arrive.
    public mutating func next() throws(RESPError) -> RESPValue? {
        guard readyHead < ready.count else { return nil }
        let end = ready[readyHead]
        readyHead += 1
        var decoder = RESPDecoder(bytes: buffer, at: start, end: end)
        let value = try decoder.value()
        start = end
        return value
    }

    /// Every value in `bytes`, which must hold whole messages.
    public static func parseAll<C: Collection<UInt8>>(_ bytes: C, limits: RESPLimits = RESPLimits()) throws(RESPError) -> [RESPValue] {
        var parser = RESPParser(limits: limits)
        try parser.append(bytes)
        var out: [RESPValue] = []
        while let v = try parser.next() { out.append(v) }
        return out
    }

    private mutating func compact() {
        guard start > 0, start == buffer.count || start >= 1 << 16 else { return }
        buffer.removeSubrange(0..<start)
        ready.removeSubrange(0..<readyHead)
        for k in ready.indices { ready[k] -= start }
        readyHead = 0
        start = 0
    }
}

/// Decodes one message the scanner has already checked as whole and well-formed.
struct RESPDecoder {
    let bytes: [UInt8]
    var i: Int
    let end: Int

    init(bytes: [UInt8], at start: Int, end: Int) {
        self.bytes = bytes
        self.i = start
        self.end = end
    }

    mutating func value() throws(RESPError) -> RESPValue {
        guard i < end else { throw .missingCRLF }
        guard let type = RESPType(rawValue: bytes[i]) else { throw .unknownType(bytes[i]) }
        i += 1
        let text = try line()
        switch type {
        case .simpleString: return .simpleString(String(decoding: text, as: UTF8.self))
        case .error: return .error(String(decoding: text, as: UTF8.self))
        case .integer: return .integer(try RESPScanner.integer(text))
        case .null: return .null
        case .double:
            guard let d = RESPScanner.double(text) else { throw .invalidDouble }
            return .double(d)
        case .boolean: return .boolean(text.first == 116)
        case .bigNumber: return .bigNumber(String(decoding: text, as: UTF8.self))
        case .bulkString, .blobError, .verbatim:
            let length = try RESPScanner.integer(text)
            if length < 0 { return .null }
            let payload = try blob(Int(length))
            if type == .bulkString { return .bulkString(payload) }
            if type == .blobError { return .error(String(decoding: payload, as: UTF8.self)) }
            guard payload.count >= 4, payload[3] == 58 else { throw .invalidVerbatim }
            return .verbatim(format: String(decoding: payload[0..<3], as: UTF8.self), text: Array(payload[4...]))
        case .array, .set, .push:
            let count = try RESPScanner.integer(text)
            if count < 0 { return .null }
            var items: [RESPValue] = []
            items.reserveCapacity(Int(min(count, 1 << 16)))
            for _ in 0..<count { items.append(try value()) }
            return type == .array ? .array(items) : type == .set ? .set(items) : .push(items)
        case .map, .attribute:
            let count = try RESPScanner.integer(text)
            var pairs: [RESPPair] = []
            pairs.reserveCapacity(Int(min(max(count, 0), 1 << 16)))
            for _ in 0..<max(count, 0) {
                let key = try value()
                pairs.append(RESPPair(key, try value()))
            }
            return type == .map ? .map(pairs) : .attribute(pairs, try value())
        }
    }

    private mutating func line() throws(RESPError) -> ArraySlice<UInt8> {
        let from = i
        while i + 1 < end, bytes[i] != 13 { i += 1 }
        guard i + 1 < end, bytes[i + 1] == 10 else { throw .missingCRLF }
        defer { i += 2 }
        return bytes[from..<i]
    }

    private mutating func blob(_ length: Int) throws(RESPError) -> [UInt8] {
        guard length <= end - i - 2, bytes[i + length] == 13, bytes[i + length + 1] == 10 else { throw .missingCRLF }
        defer { i += length + 2 }
        return Array(bytes[i..<(i + length)])
    }
}

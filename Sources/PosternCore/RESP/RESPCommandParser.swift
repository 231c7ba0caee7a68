/// Frames the commands a Redis client sends: arrays of bulk strings, or inline lines as
/// `redis-cli` and telnet users type them. It is re-run on the same held bytes as more arrive
/// and resumes where it stopped, so a command split into many reads is scanned once.
/// Multibulk arguments come back as ranges of the input, so a proxy can forward the original
/// bytes and read only what it audits.
public struct RESPCommandParser: Sendable {
    /// One complete command.
    public struct Command: Sendable, Equatable {
        public enum Arguments: Sendable, Equatable {
            /// Offsets, in the input the command was parsed from, of each argument.
            case ranges([Range<Int>])
            /// An inline command's arguments, unquoted.
            case inline([[UInt8]])
        }

        /// Bytes the command takes in the input.
        public var length: Int
        public var arguments: Arguments

        public var count: Int {
            switch arguments {
            case .ranges(let r): return r.count
            case .inline(let a): return a.count
            }
        }

        /// Argument `k`'s bytes; `input` is the bytes the command was parsed from.
        public func argument(_ k: Int, in input: UnsafeRawBufferPointer) -> [UInt8] {
            switch arguments {
            case .ranges(let r): return Array(input[r[k]])
            case .inline(let a): return a[k]
            }
        }

        /// Every argument as text (invalid UTF-8 is replaced), for audit and policy.
        public func strings(in input: UnsafeRawBufferPointer) -> [String] {
            (0..<count).map { String(decoding: argument($0, in: input), as: UTF8.self) }
        }
    }

    public let limits: RESPLimits
    /// Offset of the next unparsed header (0 when no command is in progress).
    private var position = 0
    /// Arguments the command announced, once its `*N` line was read.
    private var expected: Int?
    private var ranges: [Range<Int>] = []
    /// How far an inline line was searched for its end.
    private var inlineSearched = 0
    static let maxHeader = 32

    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
    }

    /// Parses the command at the start of `input` (the held, unconsumed bytes). Returns it when
    /// whole (the caller then drops `length` bytes), nil when more bytes are needed. A command
    /// with no arguments (an empty line, `*0`) is returned too, for the caller to skip.
    public mutating func parse(_ input: UnsafeRawBufferPointer) throws(RESPError) -> Command? {
        guard !input.isEmpty else { return nil }
        if input[0] != 42 { return try inline(input) }
        if expected == nil {
            guard let (count, next) = try header(input, at: 0, type: 42) else { return nil }
            guard count <= limits.maxAggregateLength else { throw .invalidMultibulkLength }
            if count <= 0 { return done(length: next, .ranges([])) }
            expected = Int(count)
            ranges.reserveCapacity(min(Int(count), 1 << 12))
            position = next
        }
        while let want = expected, ranges.count < want {
            guard position < input.count else { return nil }
            guard input[position] == 36 else { throw .expectedBulk(input[position]) }
            guard let (length, dataStart) = try header(input, at: position, type: 36) else { return nil }
            guard length >= 0 else { throw .invalidLength }
            guard length <= limits.maxBulkLength else { throw .bulkTooLong(Int(length)) }
            let end = dataStart + Int(length)
            guard end + 2 <= limits.maxMessageLength else { throw .messageTooLarge }
            guard end + 2 <= input.count else { return nil }
            guard input[end] == 13, input[end + 1] == 10 else { throw .missingCRLF }
            ranges.append(dataStart..<end)
            position = end + 2
        }
        let args = ranges
        return done(length: position, .ranges(args))
    }

    /// Reads `<type><integer>\r\n` at `at`; nil when the line is not whole yet.
    private func header(_ input: UnsafeRawBufferPointer, at: Int, type: UInt8) throws(RESPError) -> (Int64, Int)? {
        var i = at + 1
        let limit = min(input.count, at + Self.maxHeader)
        while i < limit, input[i] != 13 { i += 1 }
        guard i < limit else {
            if input.count >= at + Self.maxHeader { throw type == 42 ? .invalidMultibulkLength : .invalidLength }
            return nil
        }
        guard i + 1 < input.count else { return nil }
        guard input[i + 1] == 10 else { throw .missingCRLF }
        let digits = UnsafeRawBufferPointer(rebasing: input[(at + 1)..<i])
        let value: Int64
        do { value = try RESPScanner.integer(digits) } catch { throw type == 42 ? .invalidMultibulkLength : .invalidLength }
        return (value, i + 2)
    }

    private mutating func inline(_ input: UnsafeRawBufferPointer) throws(RESPError) -> Command? {
        var i = inlineSearched
        while i < input.count, input[i] != 10 { i += 1 }
        guard i < input.count else {
            inlineSearched = i
            if i > limits.maxLineLength { throw .lineTooLong }
            return nil
        }
        guard i <= limits.maxLineLength else { throw .lineTooLong }
        var lineEnd = i
        if lineEnd > 0, input[lineEnd - 1] == 13 { lineEnd -= 1 }
        let args = try Self.splitArguments(UnsafeRawBufferPointer(rebasing: input[0..<lineEnd]))
        return done(length: i + 1, .inline(args))
    }

    private mutating func done(length: Int, _ arguments: Command.Arguments) -> Command {
        position = 0
        expected = nil
        ranges.removeAll(keepingCapacity: true)
        inlineSearched = 0
        return Command(length: length, arguments: arguments)
    }

    /// Redis's `sdssplitargs`: spaces separate, `"…"` takes `\n \r \t \b \a \\ \" \xHH` escapes,
    /// `'…'` takes `\'`; a closing quote must be followed by a space or the end.
    static func splitArguments(_ line: UnsafeRawBufferPointer) throws(RESPError) -> [[UInt8]] {
        var args: [[UInt8]] = []
        var i = 0
        let n = line.count
        func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 || b == 11 || b == 12 }
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case 48...57: return b - 48
            case 97...102: return b - 87
            case 65...70: return b - 55
            default: return nil
            }
        }
        while true {
            while i < n, isSpace(line[i]) { i += 1 }
            guard i < n else { return args }
            var current: [UInt8] = []
            var inDouble = false
            var inSingle = false
            while true {
                if inDouble {
                    guard i < n else { throw .unbalancedQuotes }
                    let b = line[i]
                    if b == 92, i + 3 < n, line[i + 1] == 120, let h = hex(line[i + 2]), let l = hex(line[i + 3]) {
                        current.append(h << 4 | l)
                        i += 3
                    } else if b == 92, i + 1 < n {
                        i += 1
                        switch line[i] {
                        case 110: current.append(10)
                        case 114: current.append(13)
                        case 116: current.append(9)
                        case 98: current.append(8)
                        case 97: current.append(7)
                        default: current.append(line[i])
                        }
                    } else if b == 34 {
                        guard i + 1 >= n || isSpace(line[i + 1]) else { throw .unbalancedQuotes }
                        inDouble = false
                        i += 1
                        break
                    } else {
                        current.append(b)
                    }
                } else if inSingle {
                    guard i < n else { throw .unbalancedQuotes }
                    let b = line[i]
                    if b == 92, i + 1 < n, line[i + 1] == 39 {
                        current.append(39)
                        i += 1
                    } else if b == 39 {
                        guard i + 1 >= n || isSpace(line[i + 1]) else { throw .unbalancedQuotes }
                        inSingle = false
                        i += 1
                        break
                    } else {
                        current.append(b)
                    }
                } else {
                    guard i < n, !isSpace(line[i]) else { break }
                    switch line[i] {
                    case 34: inDouble = true
                    case 39: inSingle = true
                    default: current.append(line[i])
                    }
                }
                i += 1
            }
            args.append(current)
        }
    }
}

import Foundation

/// Extended-protocol and FunctionCall messages for `RawPGClient`, built byte by byte so a test
/// controls every field (names, per-value formats, NULLs) the way no client library lets it.
extension RawPGClient {
    /// A value as the wire carries it: its format code (0 text, 1 binary) and bytes, nil for NULL.
    struct Value {
        let format: Int16
        let bytes: [UInt8]?

        static func text(_ s: String) -> Value { Value(format: 0, bytes: Array(s.utf8)) }
        static func int4(_ v: Int32) -> Value { Value(format: 1, bytes: be32(v)) }
        static let null = Value(format: 0, bytes: nil)
    }

    static func frame(_ type: Unicode.Scalar, _ body: [UInt8]) -> [UInt8] {
        [UInt8(ascii: type)] + be32(Int32(body.count + 4)) + body
    }

    static func parse(_ statement: String, _ query: String) -> [UInt8] {
        frame("P", cString(statement) + cString(query) + be16(0))
    }

    static func bind(portal: String, statement: String, _ values: [Value], resultFormat: Int16 = 0) -> [UInt8] {
        frame("B", cString(portal) + cString(statement) + formatsAndValues(values) + be16(1) + be16(resultFormat))
    }

    static func execute(_ portal: String) -> [UInt8] { frame("E", cString(portal) + be32(0)) }

    /// Close of a prepared statement ('S').
    static func closeStatement(_ name: String) -> [UInt8] { frame("C", [UInt8(ascii: "S")] + cString(name)) }

    /// Close of a portal ('P').
    static func closePortal(_ name: String) -> [UInt8] { frame("C", [UInt8(ascii: "P")] + cString(name)) }

    static func describePortal(_ name: String) -> [UInt8] { frame("D", [UInt8(ascii: "P")] + cString(name)) }

    static func describeStatement(_ name: String) -> [UInt8] { frame("D", [UInt8(ascii: "S")] + cString(name)) }

    static let sync = frame("S", [])
    static let terminate = frame("X", [])

    /// FunctionCall: one format code per argument (as libpq's PQfn sends them), then the result's.
    static func functionCall(oid: UInt32, _ arguments: [Value], resultFormat: Int16 = 0) -> [UInt8] {
        frame("F", be32(Int32(bitPattern: oid)) + formatsAndValues(arguments) + be16(resultFormat))
    }

    /// Sends the messages in one write, then reads up to the `readyCount`th ReadyForQuery (a
    /// Query or FunctionCall inside a batch has one of its own before the Sync's).
    func exchange(_ messages: [[UInt8]], readyCount: Int = 1) -> [Message] {
        send(messages.flatMap { $0 })
        return untilReady(readyCount)
    }

    func untilReady(_ count: Int = 1) -> [Message] {
        var out: [Message] = []
        var seen = 0
        while seen < count, let m = receive() {
            out.append(m)
            if m.type == UInt8(ascii: "Z") { seen += 1 }
        }
        return out
    }

    private static func formatsAndValues(_ values: [Value]) -> [UInt8] {
        var out = be16(Int16(values.count))
        for v in values { out += be16(v.format) }
        out += be16(Int16(values.count))
        for v in values {
            guard let bytes = v.bytes else { out += be32(-1); continue }
            out += be32(Int32(bytes.count)) + bytes
        }
        return out
    }

    private static func cString(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }
}

func be16(_ v: Int16) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }

extension RawPGClient.Message {
    /// The message type as a character, for readable assertions ("1", "2", "3", "V", "Z").
    var tag: Character { Character(Unicode.Scalar(type)) }

    /// A DataRow's values (nil for NULL).
    var columns: [[UInt8]?] {
        guard body.count >= 2 else { return [] }
        return Self.values(count: Int(UInt16(body[0]) << 8 | UInt16(body[1])), in: body[2...])
    }

    /// A FunctionCallResponse's one value (nil for NULL).
    var functionResult: [UInt8]? { Self.values(count: 1, in: body[...]).first ?? nil }

    private static func values(count: Int, in bytes: ArraySlice<UInt8>) -> [[UInt8]?] {
        var out: [[UInt8]?] = []
        var at = bytes.startIndex
        while out.count < count, at + 4 <= bytes.endIndex {
            let length = Int(Int32(bigEndian: bytes[at..<at + 4].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
            at += 4
            guard length >= 0, at + length <= bytes.endIndex else { out.append(nil); continue }
            out.append(Array(bytes[at..<at + length]))
            at += length
        }
        return out
    }
}

import NIOCore
import PosternCore

/// Decodes the client messages that are audited into session events. A message whose body does
/// not parse is malformed (nil).
enum PGFrontendMessage {
    static let query = UInt8(ascii: "Q")
    static let parse = UInt8(ascii: "P")
    static let bind = UInt8(ascii: "B")
    static let execute = UInt8(ascii: "E")
    static let close = UInt8(ascii: "C")
    static let functionCall = UInt8(ascii: "F")
    static let sync = UInt8(ascii: "S")
    static let describe = UInt8(ascii: "D")
    static let terminate = UInt8(ascii: "X")
    static let copyDone = UInt8(ascii: "c")
    static let copyFail = UInt8(ascii: "f")

    /// Whether a message type must be audited (and so held whole) before it is forwarded.
    @inline(__always)
    static func isAudited(_ type: UInt8) -> Bool {
        switch type {
        case query, parse, bind, execute, close, functionCall: return true
        default: return false
        }
    }

    /// Client message types that pass through unaudited: Describe, Sync, Flush, CopyData,
    /// CopyDone, CopyFail.
    @inline(__always)
    static func isPassThrough(_ type: UInt8) -> Bool {
        switch type {
        case UInt8(ascii: "D"), UInt8(ascii: "S"), UInt8(ascii: "H"), UInt8(ascii: "d"), UInt8(ascii: "c"),
             UInt8(ascii: "f"):
            return true
        default: return false
        }
    }

    static func event(type: UInt8, body: ByteBuffer) -> SessionEvent.Kind? {
        var b = body
        switch type {
        case query:
            guard let text = b.readCString(), b.readableBytes == 0 else { return nil }
            return .query(text)
        case parse:
            guard let name = b.readCString(), let text = b.readCString() else { return nil }
            return .statement(.postgresParse(.init(statementName: name, query: AuditRedaction.sql(text))))
        case bind:
            guard let portal = b.readCString(), let statement = b.readCString(),
                  let values = readValues(&b)
            else { return nil }
            return .statement(.postgresBind(.init(statementName: statement, portalName: portal,
                                                  parameters: values)))
        case execute:
            guard let portal = b.readCString(), b.readInteger(as: Int32.self) != nil else { return nil }
            return .statement(.postgresExecute(.init(portalName: portal)))
        case close:
            guard let which = b.readInteger(as: UInt8.self), let name = b.readCString() else { return nil }
            switch which {
            case UInt8(ascii: "S"): return .statement(.postgresClose(.init(statementName: name, portalName: "")))
            case UInt8(ascii: "P"): return .statement(.postgresClose(.init(statementName: "", portalName: name)))
            default: return nil
            }
        case functionCall:
            guard let oid = b.readInteger(as: UInt32.self), let values = readValues(&b) else { return nil }
            return .statement(.postgresFunction(.init(functionOID: oid, functionArgs: values)))
        default:
            return nil
        }
    }

    /// Format codes then values, as Bind and FunctionCall carry them: text as text, binary as
    /// base64, NULL as empty (as Teleport records them).
    private static func readValues(_ b: inout ByteBuffer) -> [String]? {
        guard let formatCount = b.readInteger(as: Int16.self), formatCount >= 0,
              let formats = b.readArray(Int(formatCount)),
              let valueCount = b.readInteger(as: Int16.self), valueCount >= 0
        else { return nil }
        guard formats.count <= 1 || formats.count == Int(valueCount) else { return nil }
        var values: [String] = []
        values.reserveCapacity(Int(valueCount))
        for i in 0..<Int(valueCount) {
            guard let length = b.readInteger(as: Int32.self) else { return nil }
            if length == -1 { values.append(""); continue }
            guard length >= 0, let view = b.readSlice(length: Int(length)) else { return nil }
            let binary = formats.isEmpty ? false : (formats.count == 1 ? formats[0] == 1 : formats[i] == 1)
            values.append(binary ? Base64.encode(view.readableBytesView) : String(buffer: view))
        }
        return values
    }
}

private extension ByteBuffer {
    mutating func readArray(_ count: Int) -> [Int16]? {
        var out: [Int16] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            guard let v = readInteger(as: Int16.self) else { return nil }
            out.append(v)
        }
        return out
    }
}

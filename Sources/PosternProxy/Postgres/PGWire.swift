import NIOCore

/// PostgreSQL protocol 3.0 constants and message builders (protocol-message-formats).
enum PGWire {
    static let protocolVersion3: Int32 = 196_608
    static let sslRequestCode: Int32 = 80_877_103
    static let gssEncRequestCode: Int32 = 80_877_104
    static let cancelRequestCode: Int32 = 80_877_102
    /// PostgreSQL's own bound on a startup packet.
    static let maxStartupPacket = 10_000
    /// The protocol's bound on any message (PostgreSQL's MaxAllocSize).
    static let maxMessage = 0x3FFF_FFFF

    enum Auth: Int32 {
        case ok = 0
        case cleartextPassword = 3
        case md5Password = 5
        case sasl = 10
        case saslContinue = 11
        case saslFinal = 12
    }

    /// SQLSTATE codes the proxy itself raises.
    enum SQLState {
        static let invalidAuthorization = "28000"
        static let invalidPassword = "28P01"
        static let protocolViolation = "08P01"
        static let connectionFailure = "08006"
        static let cannotConnect = "08001"
        /// sqlserver_rejected_establishment_of_sqlconnection.
        static let rejectedEstablishment = "08004"
        static let adminShutdown = "57P01"
        /// PostgreSQL 14+'s idle_session_timeout.
        static let idleSessionTimeout = "57P05"
        static let systemError = "58000"
        static let diskFull = "53100"
        static let featureNotSupported = "0A000"
    }
}

extension ByteBuffer {
    /// Writes one typed message: type byte, length, then what `body` writes.
    @inlinable
    mutating func writePGMessage(_ type: UInt8, _ body: (inout ByteBuffer) -> Void) {
        writeInteger(type)
        let lengthIndex = writerIndex
        writeInteger(Int32(0))
        body(&self)
        setInteger(Int32(writerIndex - lengthIndex), at: lengthIndex)
    }

    mutating func writeCString(_ s: String) {
        writeString(s)
        writeInteger(UInt8(0))
    }

    /// Reads a NUL-terminated string; nil when there is no NUL.
    mutating func readCString() -> String? {
        guard let nul = readableBytesView.firstIndex(of: 0) else { return nil }
        let length = nul - readerIndex
        let s = readString(length: length)
        moveReaderIndex(forwardBy: 1)
        return s
    }

    mutating func writePGAuthentication(_ code: PGWire.Auth, _ extra: [UInt8] = []) {
        writePGMessage(UInt8(ascii: "R")) {
            $0.writeInteger(code.rawValue)
            $0.writeBytes(extra)
        }
    }

    /// An ErrorResponse; FATAL for errors that end the connection.
    public mutating func writePGError(code: String, message: String, fatal: Bool = true, detail: String? = nil) {
        writePGMessage(UInt8(ascii: "E")) {
            let severity = fatal ? "FATAL" : "ERROR"
            $0.writeInteger(UInt8(ascii: "S")); $0.writeCString(severity)
            $0.writeInteger(UInt8(ascii: "V")); $0.writeCString(severity)
            $0.writeInteger(UInt8(ascii: "C")); $0.writeCString(code)
            $0.writeInteger(UInt8(ascii: "M")); $0.writeCString(message)
            if let detail { $0.writeInteger(UInt8(ascii: "D")); $0.writeCString(detail) }
            $0.writeInteger(UInt8(0))
        }
    }
}

/// The fields of an ErrorResponse that the proxy reports.
struct PGErrorFields: Sendable, Equatable {
    var code: String?
    var message: String?
    var severity: String?

    /// Parses the body (after type and length).
    init(body: ByteBuffer) {
        var b = body
        while let field = b.readInteger(as: UInt8.self), field != 0 {
            guard let value = b.readCString() else { break }
            switch field {
            case UInt8(ascii: "C"): code = value
            case UInt8(ascii: "M"): message = value
            case UInt8(ascii: "V"): severity = value
            case UInt8(ascii: "S") where severity == nil: severity = value
            default: break
            }
        }
    }
}

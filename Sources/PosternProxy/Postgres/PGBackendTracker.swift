import NIOCore

/// Follows message boundaries in the server's byte stream without touching the bytes, and hands
/// the few messages that end statements (CommandComplete, EmptyQueryResponse, PortalSuspended,
/// ErrorResponse, ReadyForQuery) to `onMessage`, and with `replies` the answers of Parse, Bind,
/// Close and Describe too. Rows and COPY data are only skipped over.
struct PGBackendTracker {
    private var header: [UInt8] = []
    private var remaining = 0
    private var currentType: UInt8 = 0
    private var capture: ByteBuffer?

    @inline(__always)
    static func isTracked(_ type: UInt8) -> Bool {
        switch type {
        case UInt8(ascii: "C"), UInt8(ascii: "I"), UInt8(ascii: "s"), UInt8(ascii: "E"), UInt8(ascii: "Z"),
             UInt8(ascii: "G"): return true
        default: return false
        }
    }

    @inline(__always)
    static func isReply(_ type: UInt8) -> Bool {
        switch type {
        case UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "T"), UInt8(ascii: "n"): return true
        default: return false
        }
    }

    mutating func scan(_ buffer: ByteBuffer, replies: Bool = false, _ onMessage: (UInt8, ByteBuffer) -> Void) {
        var index = buffer.readerIndex
        let end = buffer.writerIndex
        while index < end {
            if remaining > 0 {
                let n = min(remaining, end - index)
                if capture != nil, var slice = buffer.getSlice(at: index, length: n) {
                    capture?.writeBuffer(&slice)
                }
                index += n
                remaining -= n
                if remaining == 0, let body = capture {
                    capture = nil
                    onMessage(currentType, body)
                }
                continue
            }
            let type: UInt8
            let length: Int
            if header.isEmpty, end - index >= 5,
               let t = buffer.getInteger(at: index, as: UInt8.self),
               let l = buffer.getInteger(at: index + 1, as: Int32.self) {
                type = t
                length = Int(l)
                index += 5
            } else {
                // A header split across reads: collect its five bytes.
                while header.count < 5, index < end, let byte = buffer.getInteger(at: index, as: UInt8.self) {
                    header.append(byte)
                    index += 1
                }
                guard header.count == 5 else { return }
                type = header[0]
                length = Int(Int32(bitPattern: UInt32(header[1]) << 24 | UInt32(header[2]) << 16
                                       | UInt32(header[3]) << 8 | UInt32(header[4])))
                header.removeAll(keepingCapacity: true)
            }
            let bodyLength = max(length - 4, 0)
            guard Self.isTracked(type) || (replies && Self.isReply(type)) else {
                remaining = bodyLength
                continue
            }
            if end - index >= bodyLength, let body = buffer.getSlice(at: index, length: bodyLength) {
                index += bodyLength
                onMessage(type, body)
            } else {
                currentType = type
                let available = end - index
                var held = ByteBufferAllocator().buffer(capacity: bodyLength)
                if var slice = buffer.getSlice(at: index, length: available) { held.writeBuffer(&slice) }
                capture = held
                remaining = bodyLength - available
                index = end
            }
        }
    }
}

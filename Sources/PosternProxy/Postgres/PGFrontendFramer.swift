import NIOCore

/// Splits the client's byte stream (after startup) into messages. Audited messages are held
/// whole and handed to `onAudited`; everything else streams through as it arrives, so a large
/// COPY never sits in memory. Bytes to forward come out as slices of the input, not copies.
struct PGFrontendFramer {
    enum Outcome: Equatable {
        case more
        case terminate
        /// What is wrong, and the first bytes of the offending message.
        case malformed(String, prefix: [UInt8])
    }

    static let prefixLength = 64

    /// The largest audited message (Query, Parse, Bind, …) accepted, body bytes.
    let maxAuditedMessage: Int
    private var partial: ByteBuffer?
    private var passThroughRemaining = 0

    init(maxAuditedMessage: Int) {
        self.maxAuditedMessage = maxAuditedMessage
    }

    /// `onAudited(type, body)` returns false when the body does not parse. `onSync` marks a Sync,
    /// `onDescribe` a Describe.
    mutating func process(
        _ input: ByteBuffer, forward: inout [ByteBuffer],
        onAudited: (UInt8, ByteBuffer) -> Bool, onSync: () -> Void, onDescribe: () -> Void = {},
        onCopyEnd: () -> Void = {}
    ) -> Outcome {
        var data: ByteBuffer
        if var held = partial {
            var more = input
            held.writeBuffer(&more)
            data = held
            partial = nil
        } else {
            data = input
        }
        let start = data.readerIndex
        var outcome = Outcome.more
        scan: while true {
            if passThroughRemaining > 0 {
                let n = min(passThroughRemaining, data.readableBytes)
                data.moveReaderIndex(forwardBy: n)
                passThroughRemaining -= n
                if passThroughRemaining > 0 { break scan }
                continue scan
            }
            let at = data.readerIndex
            guard data.readableBytes >= 5,
                  let type = data.getInteger(at: at, as: UInt8.self),
                  let length32 = data.getInteger(at: at + 1, as: Int32.self)
            else { break scan }
            let length = Int(length32)
            guard length >= 4 else {
                outcome = .malformed("message length \(length) is below 4", prefix: Self.prefix(data, at))
                break scan
            }
            if PGFrontendMessage.isAudited(type) {
                guard length - 4 <= maxAuditedMessage else {
                    outcome = .malformed("message of \(length - 4) bytes exceeds the limit of \(maxAuditedMessage)",
                                         prefix: Self.prefix(data, at))
                    break scan
                }
                guard data.readableBytes >= 1 + length else { break scan }
                guard let body = data.getSlice(at: at + 5, length: length - 4), onAudited(type, body) else {
                    outcome = .malformed("message \(Character(Unicode.Scalar(type))) does not parse", prefix: Self.prefix(data, at))
                    break scan
                }
                data.moveReaderIndex(forwardBy: 1 + length)
            } else if type == PGFrontendMessage.terminate {
                outcome = .terminate
                break scan
            } else if PGFrontendMessage.isPassThrough(type) {
                guard length <= PGWire.maxMessage else {
                    outcome = .malformed("message of \(length) bytes exceeds the protocol limit", prefix: Self.prefix(data, at))
                    break scan
                }
                if type == PGFrontendMessage.sync {
                    onSync()
                } else if type == PGFrontendMessage.describe {
                    onDescribe()
                } else if type == PGFrontendMessage.copyDone || type == PGFrontendMessage.copyFail {
                    onCopyEnd()
                }
                passThroughRemaining = 1 + length
            } else {
                outcome = .malformed("unknown message type \(type)", prefix: Self.prefix(data, at))
                break scan
            }
        }
        let consumed = data.readerIndex - start
        if consumed > 0 {
            // NIO's get* only reach readable bytes: step back over what was scanned and take it.
            data.moveReaderIndex(to: start)
            if let slice = data.readSlice(length: consumed) { forward.append(slice) }
        }
        if outcome == .more, data.readableBytes > 0 {
            // A message straddles reads: keep its start (a copy, so the read buffer can go).
            var held = ByteBufferAllocator().buffer(capacity: max(data.readableBytes, 256))
            held.writeBuffer(&data)
            partial = held
        }
        return outcome
    }

    private static func prefix(_ data: ByteBuffer, _ at: Int) -> [UInt8] {
        data.getBytes(at: at, length: min(prefixLength, data.writerIndex - at)) ?? []
    }
}

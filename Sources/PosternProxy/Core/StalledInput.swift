import NIOCore

/// Client bytes read while a commit is pending, kept in order until it lands. Reading goes on
/// until `limit` bytes wait: stopping at the first pending commit would switch the socket's read
/// interest off and on again (two epoll calls) for every statement.
struct StalledInput {
    private var buffers = CircularBuffer<ByteBuffer>()
    private(set) var bytes = 0
    let limit: Int

    init(limit: Int = 256 * 1024) { self.limit = limit }

    var isEmpty: Bool { buffers.isEmpty }
    var isFull: Bool { bytes >= limit }

    mutating func append(_ buffer: ByteBuffer) {
        bytes += buffer.readableBytes
        buffers.append(buffer)
    }

    mutating func popFirst() -> ByteBuffer? {
        guard let first = buffers.popFirst() else { return nil }
        bytes -= first.readableBytes
        return first
    }
}

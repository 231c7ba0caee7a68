import PosternCore

/// What the Redis session's threads post to its pane, in order.
public enum RedisUpdate: PaneUpdate {
    /// A reply (or, in RESP2, a pub/sub message, which arrives as an array).
    case reply(RESPValue)
    /// RESP3 out-of-band data: pub/sub messages, client-side caching invalidations.
    case push(RESPValue)
    /// The connection ended (the proxy, the server or a protocol error); the pane stays to be read.
    case closed(String)
}

/// What the Redis pane asks of its session; the work happens on the session's threads.
public protocol RedisSessionControl: Sendable {
    /// Sends one command (its arguments, the name first); the reply comes back as `RedisUpdate`.
    func send(_ arguments: [[UInt8]])
    /// Ends the connection, then the proxy route.
    func close()
}

import NIOCore
import PosternCore

/// The Redis engine: RESP2/RESP3 clients (redis-cli, redis-benchmark, client libraries) in,
/// TLS upstream, every command audited before it is forwarded, pipelining kept end to end.
public struct RedisEngine: ProxyEngine {
    public let logins: any RedisLoginSource
    public let gates: any RedisCommandGateSource
    public let values: AuditConfig.RedisValues

    public init(logins: any RedisLoginSource = RedisSignIn(), gates: any RedisCommandGateSource = AllowAllRedisCommands(),
                values: AuditConfig.RedisValues = .full) {
        self.logins = logins
        self.gates = gates
        self.values = values
    }

    public static var databaseProtocol: DatabaseProtocol { .redis }
    public static let defaultPort = 6379

    public func accept(_ channel: Channel, context: ProxySessionContext) {
        let session = RedisSession(context: context, engine: self, eventLoop: channel.eventLoop)
        do {
            try channel.pipeline.syncOperations.addHandler(RedisSessionHandler(session: session, side: .client))
        } catch {
            channel.close(promise: nil)
        }
    }

    /// `-ERR message`, whatever the reason (Redis has no finer code for either).
    public static func refusal(_ refusal: ClientRefusal, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: 16 + refusal.message.utf8.count)
        out.writeRedisError("ERR " + refusal.message)
        return out
    }

    static func isRedisCode(_ code: String) -> Bool {
        !code.isEmpty && code.utf8.allSatisfy { (65...90).contains($0) }
    }
}

extension ByteBuffer {
    /// `-text\r\n`, with CR/LF in the text turned into spaces (an error is one line).
    public mutating func writeRedisError(_ text: String) {
        writeInteger(UInt8(ascii: "-"))
        for b in text.utf8 { writeInteger(b == 13 || b == 10 ? 32 : b) }
        writeStaticString("\r\n")
    }
}

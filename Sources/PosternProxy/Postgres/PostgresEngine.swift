import NIOCore
import PosternCore

/// The PostgreSQL engine: protocol 3.0 clients (psql, pgbench, libpq, JDBC, …) in, TLS upstream.
public struct PostgresEngine: ProxyEngine {
    /// The cancel keys handed to this engine's clients. A CancelRequest arrives on a connection of
    /// its own, possibly to a server built since (the bastion rebuilds a database's server when its
    /// definition changes), so the table is the assembly's, shared by its engines.
    let cancelKeys: PGCancelKeys

    public init(cancelKeys: PGCancelKeys = PGCancelKeys()) {
        self.cancelKeys = cancelKeys
    }

    public static var databaseProtocol: DatabaseProtocol { .postgres }
    public static let defaultPort = 5432

    public func accept(_ channel: Channel, context: ProxySessionContext) {
        let session = PGSession(context: context, engine: self, eventLoop: channel.eventLoop)
        do {
            try channel.pipeline.syncOperations.addHandler(PGSessionHandler(session: session, side: .client))
        } catch {
            channel.close(promise: nil)
        }
    }

    /// A fatal ErrorResponse: 28000 for a peer that is not the socket's user, 08004 for a
    /// session that cannot be set up.
    public static func refusal(_ refusal: ClientRefusal, allocator: ByteBufferAllocator) -> ByteBuffer {
        let code = switch refusal.reason {
        case .notAuthorized: PGWire.SQLState.invalidAuthorization
        case .rejected: PGWire.SQLState.rejectedEstablishment
        }
        var out = allocator.buffer(capacity: 64 + refusal.message.utf8.count)
        out.writePGError(code: code, message: refusal.message)
        return out
    }
}

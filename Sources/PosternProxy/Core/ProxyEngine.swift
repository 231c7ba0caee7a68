import NIOCore
import PosternCore

/// One wire protocol's side of the proxy: it takes an accepted client connection through the
/// client handshake, signs in upstream and relays until either side ends. Engines speak their
/// own protocol's errors, so a client only ever sees errors it understands. What a new engine
/// provides, and where it is registered: Sources/PosternProxy/README.md.
public protocol ProxyEngine: Sendable {
    static var databaseProtocol: DatabaseProtocol { get }
    /// The server's port when a database's uri names none (its `UpstreamTarget`).
    static var defaultPort: Int { get }

    /// Installs the engine on a freshly accepted client channel (called on its event loop).
    func accept(_ channel: Channel, context: ProxySessionContext)

    /// A native "you cannot come in" error (bytes to write, then close), for refusals before any
    /// session runs; static, since the bastion relay speaks it without running an engine.
    static func refusal(_ refusal: ClientRefusal, allocator: ByteBufferAllocator) -> ByteBuffer
}

extension ProxyEngine {
    public var databaseProtocol: DatabaseProtocol { Self.databaseProtocol }
}

/// The engines one server runs, by protocol. Built outside Core: the composition layer
/// (PosternService's `ProxyEngines`) builds the registry, tests build their own.
public struct EngineRegistry: Sendable {
    private var engines: [DatabaseProtocol: any ProxyEngine] = [:]

    public init(_ engines: [any ProxyEngine] = []) {
        for engine in engines { register(engine) }
    }

    public mutating func register(_ engine: any ProxyEngine) {
        engines[engine.databaseProtocol] = engine
    }

    public func engine(for proto: DatabaseProtocol) -> (any ProxyEngine)? { engines[proto] }
}

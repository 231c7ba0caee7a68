import Dispatch
import Foundation
import PosternCore

/// One Redis session: a thread connects through the console's proxy (its Unix socket), asks for
/// RESP3 with HELLO 3 (RESP2 when refused), then reads every reply and push as it arrives and posts
/// it to the pane. Commands are written from a serial queue, so the curses actor never blocks.
final class RedisSession: RedisSessionControl, @unchecked Sendable {
    let request: ConnectRequest
    let dialog: PaneID
    let pane: PaneID
    let services: ConsoleServices
    private let writes = DispatchQueue(label: "postern-redis-write")
    private let lock = NSLock()
    private var socket: UnixSocketClient?
    private var closed = false
    private var log: [String] = []

    init(request: ConnectRequest, dialog: PaneID, services: ConsoleServices) {
        self.request = request
        self.dialog = dialog
        self.pane = PaneID("redis-\(services.next())")
        self.services = services
    }

    func start() {
        let thread = Thread { [self] in main() }
        thread.name = "postern-redis"
        thread.start()
    }

    // MARK: RedisSessionControl (any thread)

    func send(_ arguments: [[UInt8]]) {
        let bytes = RESPEncoder.command(arguments)
        writes.async { [self] in
            guard let socket = lock.withLock({ self.socket }) else { return }
            do throws(UnixSocketClient.Failure) {
                try socket.write(bytes)
            } catch {
                socket.shutdownBoth()  // the reader reports the end
            }
        }
    }

    func close() {
        let socket = lock.withLock { () -> UnixSocketClient? in
            closed = true
            return self.socket
        }
        socket?.shutdownBoth()
    }

    // MARK: The session's thread

    private func post(_ update: RedisUpdate) { services.post(.paneUpdate(pane, update)) }

    private func progress(_ line: String) {
        lock.withLock { log.append(line) }
        services.post(.paneUpdate(dialog, ConnectProgress(.note(line))))
    }

    private func fail(_ why: String) { services.post(.paneUpdate(dialog, ConnectProgress(.failed(why)))) }

    private func main() {
        let opener = services.opener
        let request = self.request
        let opened = Blocking.run { () async throws(ConnectError) -> SessionEndpoint in
            try await opener.open(request) { [self] line in progress(line) }
        }
        guard case .success(let endpoint) = opened else {
            if case .failure(let e) = opened { fail(e.description) }
            return
        }
        defer { _ = Blocking.run { () async throws(ConnectError) in await opener.close(endpoint) } }
        progress("connecting: Redis client over the proxy's socket; the proxy signs in upstream over TLS")
        let socket: UnixSocketClient
        var parser = RESPParser()
        let version: RESPVersion
        do {
            socket = try UnixSocketClient(path: endpoint.socketPath)
            // The proxy signs in upstream before it answers HELLO: allow for that, not for ever.
            socket.setReadTimeout(seconds: 30)
            version = try hello(socket, parser: &parser)
            socket.setReadTimeout(seconds: 0)
        } catch {
            fail("sign-in failed: \(error)")
            return
        }
        let proceed = lock.withLock { () -> Bool in
            self.socket = socket
            return !closed
        }
        guard proceed else { return }
        progress("connected: RESP\(version.rawValue) as \(endpoint.dbUser)")
        let redisPane = RedisPane(id: pane, database: request.database.name, dbUser: endpoint.dbUser,
                                  protocolVersion: version.rawValue, session: self, connectLog: lock.withLock { log })
        services.post(.closePane(dialog))
        services.post(.openPane(PaneSlot(id: pane, pane: redisPane), bindings: RedisPane.bindings))
        post(.closed(readReplies(socket, parser: &parser)))
    }

    /// HELLO 3 for maps, sets and pushes; a server or proxy that refuses it is spoken to in RESP2.
    private func hello(_ socket: UnixSocketClient, parser: inout RESPParser) throws -> RESPVersion {
        try socket.write(RESPEncoder.command(["HELLO", "3"]))
        let reply = try nextValue(socket, parser: &parser)
        if reply.isError { return .resp2 }
        if case .map = reply { return .resp3 }
        return .resp2
    }

    private func nextValue(_ socket: UnixSocketClient, parser: inout RESPParser) throws -> RESPValue {
        while true {
            if let v = try parser.next() { return v }
            let bytes = try socket.read()
            guard !bytes.isEmpty else { throw UnixSocketClient.Failure(description: "the proxy closed the connection") }
            try parser.append(bytes)
        }
    }

    /// Posts replies as they arrive until the connection ends; returns why it ended.
    private func readReplies(_ socket: UnixSocketClient, parser: inout RESPParser) -> String {
        do {
            while true {
                while let v = try parser.next() {
                    if case .push = v { post(.push(v)) } else { post(.reply(v)) }
                }
                let bytes = try socket.read()
                if bytes.isEmpty { return lock.withLock { closed } ? "closed" : "the proxy or the server ended the session" }
                try parser.append(bytes)
            }
        } catch {
            return lock.withLock { closed } ? "closed" : "\(error)"
        }
    }
}

/// Starts Redis sessions for Redis databases.
public struct RedisSessionLauncher: SessionLauncher {
    public init() {}

    public func launch(_ request: ConnectRequest, dialog: PaneID, services: ConsoleServices) {
        RedisSession(request: request, dialog: dialog, services: services).start()
    }
}

import FuzzSupport
import NIOCore
import NIOEmbedded
import PosternCore
@testable import PosternProxy

/// A PostgreSQL tunnel's client side before relay, through the public engine on an embedded
/// channel: SSLRequest/GSSEncRequest, CancelRequest, StartupMessage and the SCRAM exchange
/// (which the fuzzer cannot pass, so no upstream is ever dialled). Invariants: every write to
/// the client is `N` or whole backend messages of the types this phase sends, nothing follows
/// an ErrorResponse, the tunnel secret reaches neither the client nor the audit, and the session
/// is freed with its channel.
enum PGStartupTarget {
    static let secret = "fuzz-tunnel-secret-5c1e"
    /// Built once: the SCRAM verifier costs 4096 PBKDF2 rounds.
    static let authentication = ClientAuthentication.password(secret)
    static let route = Route(user: PosternUser(name: "fuzzer", roles: []),
                             database: Database(name: "pg", protocol: .postgres, uri: "127.0.0.1:9"),
                             dbUser: "app", dbName: "app")

    static func run(_ bytes: [UInt8]) {
        let handler = session(bytes)
        Fuzz.require(handler.value == nil, "the session outlived its channel")
    }

    /// Runs one client connection to its end; returns its handler, weakly.
    static func session(_ bytes: [UInt8]) -> Weak<PGSessionHandler> {
        let sink = Sink()
        let services = ProxyServices(clusterName: "fuzz", sink: sink, credentials: NoCredentials())
        let context = ProxySessionContext(route: route, clientAuthentication: authentication,
                                          authorizer: AllowAll(), services: services)
        let channel = EmbeddedChannel()
        PostgresEngine().accept(channel, context: context)
        let handler = Weak(try? channel.pipeline.syncOperations.handler(type: PGSessionHandler.self))
        _ = try? channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9))
        var output = Output()
        // Even lengths arrive in one read, odd ones in small reads.
        for read in bytes.count % 2 == 0 ? [bytes[...]] : Fuzz.chunks(bytes) {
            guard channel.isActive else { break }
            do { try channel.writeInbound(ByteBuffer(bytes: read)) } catch { break }
            channel.embeddedEventLoop.run()
            output.drain(channel)
        }
        channel.embeddedEventLoop.advanceTime(by: .hours(1))
        output.drain(channel)
        _ = try? channel.finish(acceptAlreadyClosed: true)
        Fuzz.require(!sink.sawSecret(), "the tunnel secret reached the audit")
        return handler
    }

    final class Weak<T: AnyObject> {
        weak var value: T?
        init(_ value: T?) { self.value = value }
    }

    /// The bytes written to the client, checked write by write.
    struct Output {
        var ended = false

        mutating func drain(_ channel: EmbeddedChannel) {
            while let out = try? channel.readOutbound(as: ByteBuffer.self) {
                let bytes = Array(out.readableBytesView)
                // The session closes with an empty write (the channel closes once it is out).
                if bytes.isEmpty { continue }
                Fuzz.require(!ended, "a write after the ErrorResponse: \(bytes)")
                Fuzz.require(!String(decoding: bytes, as: UTF8.self).contains(secret), "the tunnel secret reached the client")
                if bytes == [UInt8(ascii: "N")] { continue }
                var i = 0
                while i < bytes.count {
                    Fuzz.require(i + 5 <= bytes.count, "a backend message cut short: \(bytes)")
                    let type = bytes[i]
                    let length = Int(bytes[i + 1]) << 24 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 8 | Int(bytes[i + 4])
                    Fuzz.require(length >= 4 && i + 1 + length <= bytes.count, "backend message length \(length): \(bytes)")
                    Fuzz.require([UInt8(ascii: "R"), UInt8(ascii: "E"), UInt8(ascii: "v")].contains(type),
                                 "backend message type \(type) before relay")
                    if type == UInt8(ascii: "E") {
                        Fuzz.require(i + 1 + length == bytes.count, "a message after the ErrorResponse")
                        ended = true
                    }
                    i += 1 + length
                }
            }
        }
    }

    /// Keeps what is audited (durable at once) to look for the secret.
    final class Sink: SessionEventSink, @unchecked Sendable {
        // Touched only on the embedded loop's thread.
        private var text = ""

        func record(_ events: [SessionEvent], of session: SessionInfo) async throws {
            text += String(describing: events)
        }

        func record(_ events: [SessionEvent], of session: SessionInfo,
                    completion: @escaping @Sendable ((any Error)?) -> Void) {
            text += String(describing: events)
            completion(nil)
        }

        func sawSecret() -> Bool { text.contains(secret) }
    }

    struct NoCredentials: UpstreamCredentialSource {
        func login(for route: Route) async throws -> UpstreamLogin {
            throw UpstreamCredentialError("the fuzz target never dials upstream")
        }
    }

    struct AllowAll: RouteAuthorizer {
        func check(_ route: Route) -> AccessDecision {
            AccessDecision(allowed: true, role: nil, rule: "fuzz", reason: "fuzz")
        }
    }
}

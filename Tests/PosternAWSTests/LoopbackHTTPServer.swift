import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

@testable import PosternAWS

/// One request as the fake server saw it.
struct LoopbackHTTPRequest: Sendable {
    var method: String
    /// Path and query, as sent.
    var uri: String
    var headers: [AWSHeader]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }

    /// The form-encoded body (AWS Query protocol) as a dictionary.
    var form: [String: String] {
        var result: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            result[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }

    /// The access key id in the SigV4 Authorization header, if signed.
    var signingAccessKey: String? {
        guard let authorization = header("authorization"), let range = authorization.range(of: "Credential=") else {
            return nil
        }
        return String(authorization[range.upperBound...].prefix { $0 != "/" })
    }
}

struct LoopbackHTTPResponse: Sendable {
    var status: Int
    var headers: [AWSHeader] = []
    var body: [UInt8] = []
    /// Never answer (to test timeouts).
    var silent = false

    init(status: Int, body: String = "", headers: [AWSHeader] = []) {
        self.status = status
        self.body = Array(body.utf8)
        self.headers = headers
    }

    static let noAnswer: LoopbackHTTPResponse = {
        var response = LoopbackHTTPResponse(status: 0)
        response.silent = true
        return response
    }()
}

/// A tiny HTTP/1.1 server on 127.0.0.1 (a free port) for fake IMDS, ECS and STS endpoints.
final class LoopbackHTTPServer: Sendable {
    typealias Handler = @Sendable (LoopbackHTTPRequest) -> LoopbackHTTPResponse

    let port: Int
    private let channel: any Channel
    private let log: Mutex<[LoopbackHTTPRequest]>

    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [LoopbackHTTPRequest] { log.withLock { $0 } }

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
        self.log = Mutex([])
    }

    static func start(_ handler: @escaping Handler) async throws -> LoopbackHTTPServer {
        let recorder = Recorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(
                        RequestHandler { request in
                            recorder.append(request)
                            return handler(request)
                        })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw CancellationError() }
        let server = LoopbackHTTPServer(port: port, channel: channel)
        recorder.server.withLock { $0 = server }
        return server
    }

    func stop() async throws {
        try await channel.close()
    }

    fileprivate func record(_ request: LoopbackHTTPRequest) {
        log.withLock { $0.append(request) }
    }

    /// Forwards to the server once it exists (the handler is built before the bind).
    private final class Recorder: Sendable {
        let server = Mutex<LoopbackHTTPServer?>(nil)
        func append(_ request: LoopbackHTTPRequest) {
            server.withLock { $0 }?.record(request)
        }
    }
}

private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let respond: LoopbackHTTPServer.Handler
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(_ respond: @escaping LoopbackHTTPServer.Handler) {
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let request = LoopbackHTTPRequest(
                method: head.method.rawValue, uri: head.uri,
                headers: head.headers.map { AWSHeader($0.name, $0.value) }, body: body)
            let response = respond(request)
            if response.silent { return }
            var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
            headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
            let status = HTTPResponseStatus(statusCode: response.status)
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

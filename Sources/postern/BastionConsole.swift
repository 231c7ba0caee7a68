import Foundation
import NIOConcurrencyHelpers
import PosternAudit
import PosternCore
import PosternService
import PosternTUI

/// The console's sessions on a bastion: each route gets a relay on a private Unix socket, and the
/// service signs in, checks RBAC and audits. The TUI sees the same `SessionOpener` as in
/// single-user mode.
final class BastionSessionOpener: SessionOpener {
    let client: BastionClient
    let directory: String
    private let relays = NIOLockedValueBox<[Int: BastionRelay]>([:])
    private let nextPort = NIOLockedValueBox(0)

    init(client: BastionClient, directory: String) {
        self.client = client
        self.directory = directory
    }

    func open(_ request: ConnectRequest, progress: @escaping @Sendable (String) -> Void) async throws(ConnectError)
        -> SessionEndpoint
    {
        let db = request.database
        let dbName = db.protocol == .postgres ? request.dbName : ""
        let ask = BastionRequest(op: .explain, db: db.name, dbUser: request.dbUser, dbName: dbName)
        let reply: BastionReply
        do {
            reply = try client.send(ask)
        } catch {
            throw ConnectError(error.description)
        }
        guard reply.ok, let decision = reply.decision else { throw ConnectError(reply.error ?? "the Postern service refused") }
        guard decision.allowed else { throw ConnectError(([decision.reason] + decision.details).joined(separator: "\n")) }
        let port = nextPort.withLockedValue { n in
            n += 1
            return n
        }
        let relay = BastionRelay(client: client, request: BastionRequest(op: .connect, db: db.name, dbUser: request.dbUser,
                                                                         dbName: dbName),
                                 databaseProtocol: db.protocol)
        do {
            let path = try await relay.listenUnix(directory: directory, port: port)
            progress("bastion: relay on \(path) (0600, this user only) to the Postern service at \(client.socketPath)")
            progress("the service signs in upstream and audits every statement")
        } catch {
            await relay.shutdown()
            throw ConnectError("the console cannot listen: \(error)")
        }
        relays.withLockedValue { $0[port] = relay }
        let resolvedName = db.protocol == .postgres && dbName.isEmpty ? request.dbUser : dbName
        return SessionEndpoint(socketDirectory: directory, port: port, dbUser: request.dbUser, dbName: resolvedName)
    }

    func close(_ endpoint: SessionEndpoint) async {
        let relay = relays.withLockedValue { $0.removeValue(forKey: endpoint.port) }
        await relay?.shutdown()
    }

    func shutdown() async {
        let all = relays.withLockedValue { r in
            defer { r.removeAll() }
            return Array(r.values)
        }
        for relay in all { await relay.shutdown() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// The audit pane on a bastion: the newest events this operator may read, then the live stream.
struct BastionAuditFeed: AuditFeed {
    let client: BastionClient
    var history = 200

    func records() throws -> AsyncThrowingStream<AuditRecord, any Error> {
        let client = self.client
        let history = self.history
        return AuditRecord.fromThread { continuation, wanted in
            let recent = try client.send(BastionRequest(op: .search, audit: AuditQuery(limit: history)))
            guard recent.ok else { throw BastionClientError(recent.error ?? "the service refused") }
            let seen = Set((recent.events ?? []).map(\.id))
            // From a shared store the service names each event's bastion.
            let hosts = recent.hosts.flatMap { $0.count == recent.events?.count ? $0 : nil }
            for (k, e) in (recent.events ?? []).enumerated() { continuation.yield(AuditRecord(e, host: hosts?[k])) }
            var ended: String?
            try client.stream(BastionRequest(op: .tail, audit: AuditQuery())) { line in
                if let reason = SharedAuditEvent.serviceError(ofJSON: line) {
                    ended = reason
                    return false
                }
                guard let e = try? AuditEvent.decode(json: line) else { return true }
                if !seen.contains(e.id) { continuation.yield(AuditRecord(e, host: SharedAuditEvent.host(ofJSON: line))) }
                return wanted()
            }
            if let ended { throw BastionClientError("the service's audit tail ended: \(ended)") }
        }
    }
}

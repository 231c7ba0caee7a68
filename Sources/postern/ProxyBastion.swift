import Foundation
import PosternCore
import PosternProxy
import PosternService

/// `proxy db` on a bastion: the tunnel is a relay to the Postern service, which signs in upstream
/// and audits; the relay lets in only the operator's own processes.
extension ProxyDB {
    func relay(_ client: BastionClient) async throws {
        // The service answers unknown or denied routes here, plainly, before anything listens.
        let reply = try BastionMode.ask(client, BastionRequest(op: .explain, db: name, dbUser: dbUser, dbName: dbName))
        guard let decision = reply.decision else { throw CLIError("the Postern service sent no decision") }
        guard decision.allowed else { throw CLIError(decision.reason) }
        let proto = DatabaseProtocol(rawValue: reply.protocol ?? "") ?? .postgres
        let relay = BastionRelay(client: client, request: BastionRequest(op: .connect, db: name, dbUser: dbUser, dbName: dbName),
                                 databaseProtocol: proto)
        let resolvedDBName = proto == .postgres ? (dbName ?? "").isEmpty ? dbUser : dbName ?? dbUser : ""
        let banner: BastionTunnelBanner
        if let port {
            guard socket == nil else { throw CLIError("give --port or --socket, not both") }
            guard (0...65535).contains(port) else { throw CLIError("--port must be between 0 and 65535") }
            do {
                banner = .tcp(port: try await relay.listenTCP(port: port))
            } catch {
                throw CLIError("cannot listen on 127.0.0.1:\(port): \(error)")
            }
        } else {
            let (directory, socketPort) = try socketLocation()
            do {
                banner = .unix(path: try await relay.listenUnix(directory: directory, port: socketPort),
                               directory: directory, port: socketPort)
            } catch {
                throw CLIError("cannot listen in \(directory): \(error)")
            }
        }
        let stop = SignalWaiter([SIGINT, SIGTERM])
        let text = banner.render(format, database: name, protocol: proto, dbUser: dbUser, dbName: resolvedDBName)
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
        await stop.wait()
        await relay.shutdown()
        if case .unix(let path, _, _) = banner { unlink(path) }
    }

    /// `--socket PATH` (its directory must be private), else `.s.PGSQL.5432` (`SessionSocket`) in a
    /// fresh private directory under $XDG_RUNTIME_DIR or /tmp.
    private func socketLocation() throws -> (directory: String, port: Int) {
        if let socket {
            let url = URL(fileURLWithPath: socket)
            let directory = url.deletingLastPathComponent().path
            let file = url.lastPathComponent
            guard let n = SessionSocket.port(ofName: file) else {
                throw CLIError("--socket must end in \(SessionSocket.prefix)<port> (libpq's socket name), e.g. "
                    + SessionSocket.path(directory: directory, port: SessionSocket.defaultPort))
            }
            return (directory, n)
        }
        do {
            return (try PrivateDirectory.create(prefix: "postern-tunnel-", environment: ProcessEnvironment.current),
                    SessionSocket.defaultPort)
        } catch {
            throw CLIError(error.description)
        }
    }
}

/// What a bastion tunnel prints once it listens: no password, since the relay knows its peers.
enum BastionTunnelBanner {
    case tcp(port: Int)
    case unix(path: String, directory: String, port: Int)

    func render(_ format: OutputFormat, database: String, protocol proto: DatabaseProtocol, dbUser: String,
                dbName: String) -> String {
        var json: [String: Any] = ["user": dbUser, "protocol": proto.rawValue]
        if proto == .postgres { json["database"] = dbName }
        let connect: String
        let place: String
        switch self {
        case .tcp(let port):
            json["host"] = "127.0.0.1"
            json["port"] = port
            place = "127.0.0.1:\(port)"
            connect = proto == .postgres
                ? "psql \"host=127.0.0.1 port=\(port) user=\(dbUser) dbname=\(dbName)\""
                : "redis-cli -h 127.0.0.1 -p \(port) --user \(dbUser)"
        case .unix(let path, let directory, let port):
            json["socket"] = path
            json["host"] = directory
            json["port"] = port
            place = path
            connect = proto == .postgres
                ? "psql \"host=\(directory) port=\(port) user=\(dbUser) dbname=\(dbName)\""
                : "redis-cli -s \(path) --user \(dbUser)"
        }
        if format == .json { return TunnelBanner.json(json) }
        return TextSanitizer.escape("Started a tunnel to \(database) as db user \(dbUser) through the Postern service on \(place). Connect with:") + """


              \(TextSanitizer.escape(connect))

            No password: only your own processes may use this tunnel, and the service signs in and audits. \
            Ctrl-C ends the tunnel and its sessions.
            """
    }
}

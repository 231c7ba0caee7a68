import NIOCore

/// The client side of the handshake: SSLRequest/GSSEncRequest answered `N` (these listeners are
/// local), CancelRequest forwarded, StartupMessage checked against the route, then SCRAM with
/// the tunnel's one-time secret (or nothing on the owner's Unix socket).
extension PGSession {
    func processStartup() {
        while phase == .handshake, var buf = inbound {
            if !awaitingSASL {
                guard let length = buf.getInteger(at: buf.readerIndex, as: Int32.self) else { return }
                guard length >= 8, Int(length) <= PGWire.maxStartupPacket else {
                    return malformed("startup packet length \(length) is out of range")
                }
                guard buf.readableBytes >= Int(length), var packet = buf.readSlice(length: Int(length)) else { return }
                inbound = buf.readableBytes > 0 ? buf : nil
                packet.moveReaderIndex(forwardBy: 4)
                guard let code = packet.readInteger(as: Int32.self) else { return }
                startupPacket(code: code, body: packet)
            } else {
                guard buf.readableBytes >= 5,
                      let type = buf.getInteger(at: buf.readerIndex, as: UInt8.self),
                      let length = buf.getInteger(at: buf.readerIndex + 1, as: Int32.self)
                else { return }
                guard type == UInt8(ascii: "p"), length >= 4, Int(length) <= PGWire.maxStartupPacket else {
                    return malformed("expected a SASL response during authentication")
                }
                guard buf.readableBytes >= 1 + Int(length) else { return }
                buf.moveReaderIndex(forwardBy: 5)
                guard let body = buf.readSlice(length: Int(length) - 4) else { return }
                inbound = buf.readableBytes > 0 ? buf : nil
                saslResponse(body)
            }
        }
    }

    private func startupPacket(code: Int32, body: ByteBuffer) {
        switch code {
        case PGWire.sslRequestCode, PGWire.gssEncRequestCode:
            guard let client else { return }
            var no = client.channel.allocator.buffer(capacity: 1)
            no.writeInteger(UInt8(ascii: "N"))
            client.writeAndFlush(NIOAny(no), promise: nil)
        case PGWire.cancelRequestCode:
            var b = body
            guard let pid = b.readInteger(as: Int32.self), let key = b.readInteger(as: Int32.self) else {
                return malformed("CancelRequest is too short")
            }
            forwardCancel(pid: pid, key: key)
        case let version where version >> 16 == 3:
            startup(minor: version & 0xFFFF, body: body)
        default:
            phase = .closed
            sendFatal(code: PGWire.SQLState.protocolViolation,
                      message: "unsupported frontend protocol \(code >> 16).\(code & 0xFFFF): Postern speaks 3.0")
            finish()
        }
    }

    /// A CancelRequest carries the (pid, key) this proxy issued; it is forwarded over a new TLS
    /// connection to the backend it stands for. Unknown pairs are dropped, as PostgreSQL does.
    private func forwardCancel(pid: Int32, key: Int32) {
        phase = .closed
        context.services.sessions.remove(ObjectIdentifier(self))
        guard let target = engine.cancelKeys.lookup(pid: pid, key: key),
              // The same Postern user (by name: a reload may have changed their roles since), and
              // the same database route: a real cancel comes through its session's own tunnel.
              target.session.route.user.name == context.route.user.name,
              target.session.route.database.name == context.route.database.name,
              target.session.route.dbUser == context.route.dbUser, target.session.route.dbName == context.route.dbName,
              target.session.authorizer.check(target.session.route).allowed
        else {
            client?.close(promise: nil)
            return
        }
        let channel = client?.channel
        PGUpstreamConnector.cancel(at: target.upstream, on: eventLoop, pid: target.pid, key: target.key)
            .whenComplete { _ in channel?.close(promise: nil) }
    }

    private func startup(minor: Int32, body: ByteBuffer) {
        var b = body
        var parameters: [(String, String)] = []
        var unsupported: [String] = []
        while let key = b.readCString(), !key.isEmpty {
            guard let value = b.readCString() else { return malformed("StartupMessage is not terminated") }
            if key.hasPrefix("_pq_.") { unsupported.append(key) } else { parameters.append((key, value)) }
        }
        func value(_ name: String) -> String? { parameters.first { $0.0 == name }?.1 }
        guard let user = value("user"), !user.isEmpty else {
            return refuse(code: PGWire.SQLState.invalidAuthorization, message: "no PostgreSQL user name specified in startup packet")
        }
        let database = value("database").flatMap { $0.isEmpty ? nil : $0 } ?? user
        if let replication = value("replication"), !["false", "off", "no", "0"].contains(replication.lowercased()) {
            return refuse(code: PGWire.SQLState.featureNotSupported,
                               message: "replication connections are not supported through Postern")
        }
        guard user == route.dbUser, database == route.dbName else {
            return refuse(code: PGWire.SQLState.invalidAuthorization,
                               message: "this connection is for database user \(quoted(route.dbUser)) and database \(quoted(route.dbName)); "
                                   + "connect with user=\(route.dbUser) dbname=\(route.dbName)")
        }
        let sent = parameters.filter { !["user", "database", "replication"].contains($0.0) }
        switch PGStartupParameters.upstream(from: sent) {
        case .success(let upstream): upstreamParameters = upstream
        case .failure(let refusal): return refuse(code: refusal.sqlState, message: refusal.message)
        }
        auditor.clientApplication = sent.last { $0.0.lowercased() == "application_name" }?.1
        if minor > 0 || !unsupported.isEmpty, let client {
            // NegotiateProtocolVersion: we speak 3.0 and none of the _pq_ options.
            var out = client.channel.allocator.buffer(capacity: 32)
            out.writePGMessage(UInt8(ascii: "v")) {
                $0.writeInteger(PGWire.protocolVersion3)
                $0.writeInteger(Int32(unsupported.count))
                for name in unsupported { $0.writeCString(name) }
            }
            client.write(NIOAny(out), promise: nil)
        }
        switch context.clientAuthentication.kind {
        case .peerCredentials:
            open()
        case .password:
            awaitingSASL = true
            guard let client else { return }
            var out = client.channel.allocator.buffer(capacity: 32)
            out.writePGAuthentication(.sasl, Array(SCRAM.mechanism.utf8) + [0, 0])
            client.writeAndFlush(NIOAny(out), promise: nil)
        }
    }

    private func saslResponse(_ body: ByteBuffer) {
        guard case .password(let verifier, _) = context.clientAuthentication.kind, let client else { return }
        var b = body
        if let exchange = scram {
            scram = nil
            let final = b.readString(length: b.readableBytes) ?? ""
            do {
                let serverFinal = try exchange.finish(clientFinal: final)
                var out = client.channel.allocator.buffer(capacity: 64)
                out.writePGAuthentication(.saslFinal, Array(serverFinal.utf8))
                client.write(NIOAny(out), promise: nil)
                open()
            } catch {
                passwordFailed()
            }
            return
        }
        guard let mechanism = b.readCString(), let length = b.readInteger(as: Int32.self) else {
            return malformed("SASLInitialResponse does not parse")
        }
        guard mechanism == SCRAM.mechanism else {
            return refuse(code: PGWire.SQLState.invalidAuthorization,
                          message: "SASL mechanism \(mechanism) is not offered; use \(SCRAM.mechanism)")
        }
        let first = length >= 0 ? (b.readString(length: Int(length)) ?? "") : ""
        var exchange = SCRAMServerExchange(verifier: verifier)
        do {
            let serverFirst = try exchange.start(clientFirst: first)
            scram = exchange
            var out = client.channel.allocator.buffer(capacity: 128)
            out.writePGAuthentication(.saslContinue, Array(serverFirst.utf8))
            client.writeAndFlush(NIOAny(out), promise: nil)
        } catch {
            passwordFailed()
        }
    }

    private func passwordFailed() {
        refuse(code: PGWire.SQLState.invalidPassword,
               message: "password authentication failed for user \(quoted(route.dbUser))")
    }
}

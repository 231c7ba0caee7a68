import NIOCore
import PosternCore

/// The tunnel's gate: a TCP client must prove it knows the tunnel's one-time secret with
/// `AUTH secret`, `AUTH user secret` (redis-cli `-a`, `--user`) or `HELLO n AUTH user secret`
/// before anything reaches the server. Redis's own replies are used for everything else.
extension RedisSession {
    func processAuth() {
        while phase == .handshake, var data = held, data.readableBytes > 0 {
            let parsed: RESPCommandParser.Command?
            do {
                parsed = try data.withUnsafeReadableBytes { b throws(RESPError) in try commands.parse(b) }
            } catch {
                return malformed(error.description, prefix: Array(data.readableBytesView.prefix(64)))
            }
            guard let command = parsed else { return }
            let argv = data.withUnsafeReadableBytes { command.strings(in: $0) }
            let name = argv.first?.lowercased() ?? ""
            switch name {
            case "":
                data.moveReaderIndex(forwardBy: command.length)
                held = data
            case "auth" where argv.count == 2 || argv.count == 3:
                data.moveReaderIndex(forwardBy: command.length)
                held = data
                guard accepts(user: argv.count == 3 ? argv[1] : nil, secret: argv[argv.count - 1]) else { return wrongPassword() }
                writeToClient("+OK\r\n")
                authenticated()
            case "hello":
                guard let at = argv.firstIndex(where: { $0.lowercased() == "auth" }), at + 2 < argv.count else {
                    data.moveReaderIndex(forwardBy: command.length)
                    held = data
                    writeToClient("-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                        + "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select "
                        + "the RESP protocol version at the same time\r\n")
                    continue
                }
                guard accepts(user: argv[at + 1], secret: argv[at + 2]) else { return wrongPassword() }
                // The HELLO itself (its AUTH stripped) is the session's first relayed command.
                authenticated()
            case "quit":
                writeToClient("+OK\r\n")
                phase = .closed
                return finish()
            default:
                data.moveReaderIndex(forwardBy: command.length)
                held = data
                writeToClient(name == "auth" ? "-ERR wrong number of arguments for 'auth' command\r\n"
                                             : "-NOAUTH Authentication required.\r\n")
            }
        }
    }

    /// The secret must be the tunnel's; a user, when given, must be the tunnel's db user.
    private func accepts(user: String?, secret: String) -> Bool {
        guard case .password(let verifier, let digest) = context.clientAuthentication.kind else { return true }
        if let user, user != route.dbUser, !(user == "default" && route.dbUser.isEmpty) { return false }
        return SCRAM.constantTimeEqual(ClientAuthentication.digest(secret, salt: verifier.salt), digest)
    }

    private func wrongPassword() {
        refuse("WRONGPASS invalid username-password pair or user is disabled.")
    }

    /// Whatever the client sent after its AUTH waits for the relay.
    private func authenticated() {
        if let rest = held, rest.readableBytes > 0 { stalled.append(rest) }
        held = nil
        open()
    }

    func writeToClient(_ text: String) {
        guard let client else { return }
        client.writeAndFlush(NIOAny(client.channel.allocator.buffer(string: text)), promise: nil)
    }
}

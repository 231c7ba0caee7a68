import PosternCore

/// How a command reads in the audit log (`db_query`): its arguments as `redis-cli` would quote
/// them, secrets masked (AUTH, HELLO … AUTH, ACL SETUSER >pass, CONFIG SET requirepass …), and
/// with `audit.redis_values: redacted` the values written by write commands masked too.
enum RedisAuditText {
    /// Arguments longer than this are cut in the log (a 10 MB value is not worth storing twice).
    static let maxArgument = 4096

    static func query(_ argv: [String], values: AuditConfig.RedisValues) -> String {
        audited(argv, traits: .of(argv.first?.lowercased() ?? ""), values: values).text
    }

    /// The log's text, and whether a secret was masked in it (the server's error about such a
    /// command is masked too: `AuditRedaction.redisError`).
    static func audited(_ argv: [String], traits: RedisCommandTraits, values: AuditConfig.RedisValues) -> (text: String, secret: Bool) {
        var args = AuditRedaction.redisCommand(argv)
        let secret = args != argv
        if values == .redacted { redactValues(&args, traits: traits) }
        // Sized once: this runs for every command relayed.
        var out = ""
        out.reserveCapacity(args.reduce(args.count) { $0 + $1.utf8.count })
        for (k, a) in args.enumerated() {
            if k > 0 { out += " " }
            if isPlain(a) { out += a } else { out += RESPValue.quoted(Array(a.utf8)) }
        }
        return (out, secret)
    }

    /// Each argument as bytes read for the log: at most `maxArgument` of them, with the size noted.
    static func argument(_ bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.count > maxArgument else { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: bytes[0..<maxArgument], as: UTF8.self) + "...(\(bytes.count) bytes)"
    }

    /// Printable, unquoted as redis-cli shows it: no space, quote or backslash.
    private static func isPlain(_ a: String) -> Bool {
        !a.isEmpty && a.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != 34 && $0 != 39 && $0 != 92 }
    }

    static func redactValues(_ args: inout [String], traits: RedisCommandTraits) {
        guard let (first, stride) = traits.values else { return }
        var i = first
        while i < args.count {
            if args[i] != AuditRedaction.mask { args[i] = AuditRedaction.mask }
            i += stride == 0 ? 1 : stride
        }
    }
}

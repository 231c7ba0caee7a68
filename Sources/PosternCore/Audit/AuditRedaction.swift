/// Masks secrets before a statement reaches an audit event: the literal after SQL's `PASSWORD`
/// keyword (`CREATE ROLE … PASSWORD '…'`, `ALTER USER … ENCRYPTED PASSWORD '…'`, psql's `\password`,
/// `OPTIONS (password '…')` of user mappings), `password=` and `user:secret@` inside connection
/// strings in literals (dblink), and the password arguments of Redis commands. Masks are fixed-length
/// so nothing about the secret leaks. Queries with nothing to mask come back as the same string.
public enum AuditRedaction {
    public static let mask = "***"

    /// The SQL with every secret literal replaced by `'***'`.
    public static func sql(_ query: String) -> String {
        let hit = query.utf8.withContiguousStorageIfAvailable(mightHoldSecret) ?? mightHoldSecret(Array(query.utf8))
        guard hit else { return query }
        let bytes = Array(query.utf8)
        var scanner = SQLSecretScanner(bytes)
        let out = scanner.redacted()
        return out == bytes ? query : String(decoding: out, as: UTF8.self)
    }

    /// Cheap pre-check on the hot path: no `assword` (any case) and no `://` means nothing to scan.
    private static func mightHoldSecret<C: RandomAccessCollection>(_ s: C) -> Bool where C.Element == UInt8, C.Index == Int {
        let word: [UInt8] = Array("assword".utf8)
        var i = s.startIndex
        while i + 2 < s.endIndex {
            if s[i] == 58, s[i + 1] == 47, s[i + 2] == 47 { return true } // "://"
            if s[i] | 0x20 == 97, i + word.count <= s.endIndex { // 'a'
                var j = 0
                while j < word.count, s[i + j] | 0x20 == word[j] { j += 1 }
                if j == word.count { return true }
            }
            i += 1
        }
        return false
    }

    /// A Redis command's arguments (command name first) with passwords masked: AUTH, HELLO … AUTH,
    /// MIGRATE … AUTH/AUTH2, CONFIG SET requirepass/masterauth, ACL SETUSER >pass <pass #hash !hash,
    /// SENTINEL … auth-pass.
    public static func redisCommand(_ args: [String]) -> [String] {
        guard let name = args.first?.lowercased() else { return args }
        var out = args
        func maskArg(_ i: Int) { if i < out.count { out[i] = mask } }
        switch name {
        case "auth":
            // AUTH password | AUTH username password
            if out.count == 2 { maskArg(1) } else { for i in 2..<max(out.count, 2) { maskArg(i) } }
        case "hello", "migrate":
            var i = 1
            while i < out.count {
                switch out[i].lowercased() {
                case "auth" where name == "hello": maskArg(i + 2); i += 3   // AUTH username password
                case "auth": maskArg(i + 1); i += 2                          // MIGRATE … AUTH password
                case "auth2": maskArg(i + 2); i += 3                         // MIGRATE … AUTH2 username password
                default: i += 1
                }
            }
        case "config" where out.count > 1 && out[1].lowercased() == "set":
            var i = 2
            while i + 1 < out.count {
                if redisSecretSettings.contains(out[i].lowercased()) { maskArg(i + 1) }
                i += 2
            }
        case "acl" where out.count > 2 && out[1].lowercased() == "setuser":
            for i in 3..<out.count {
                if let first = out[i].first, ">#<!".contains(first) { out[i] = String(first) + mask }
            }
        case "sentinel":
            for i in 1..<out.count where redisSecretSettings.contains(out[i].lowercased()) { maskArg(i + 1) }
        default:
            break
        }
        return out
    }

    static let redisSecretSettings: Set<String> = [
        "requirepass", "masterauth", "tls-key-file-pass", "tls-client-key-file-pass", "auth-pass",
    ]
}

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
        // Runs on every statement: the word is a static, not an array made per call.
        let word = passwordTail
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

    private static let passwordTail: [UInt8] = Array("assword".utf8)

    /// A Redis command's arguments (command name first) with passwords masked: AUTH, HELLO … AUTH,
    /// MIGRATE … AUTH/AUTH2, CONFIG SET requirepass/masterauth (any pair), ACL SETUSER >pass <pass
    /// #hash !hash (inside parenthesised selectors too), SENTINEL SET <master> auth-pass and
    /// SENTINEL CONFIG SET sentinel-pass.
    public static func redisCommand(_ args: [String]) -> [String] {
        guard let name = args.first?.lowercased() else { return args }
        var out = args
        func maskArg(_ i: Int) { if i < out.count { out[i] = mask } }
        /// `name value` pairs from `first` on, as CONFIG SET and SENTINEL SET take them.
        func maskPairs(from first: Int) {
            var i = first
            while i + 1 < out.count {
                if redisSecretSettings.contains(out[i].lowercased()) { maskArg(i + 1) }
                i += 2
            }
        }
        // Computed only for the commands that look at it: most commands' second argument is a key,
        // not worth lower-casing for every command relayed.
        var sub: String { out.count > 1 ? out[1].lowercased() : "" }
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
        case "config" where sub == "set":
            maskPairs(from: 2)
        case "acl" where sub == "setuser":
            maskACLRules(&out, from: 3)
        case "sentinel" where sub == "set":
            maskPairs(from: 3)                                               // SENTINEL SET <master> name value …
        case "sentinel" where sub == "config" && out.count > 2 && out[2].lowercased() == "set":
            maskPairs(from: 3)                                               // SENTINEL CONFIG SET name value …
        case "sentinel":
            var i = 1
            while i < out.count {
                if redisSecretSettings.contains(out[i].lowercased()) { maskArg(i + 1); i += 2 } else { i += 1 }
            }
        default:
            break
        }
        return out
    }

    static let redisSecretSettings: Set<String> = [
        "requirepass", "masterauth", "primaryauth", "tls-key-file-pass", "tls-client-key-file-pass", "auth-pass",
        "sentinel-pass",
    ]

    /// First characters of ACL SETUSER rules that carry a password or its hash.
    static let aclSecretMarks: Set<Character> = [">", "<", "#", "!"]

    /// ACL SETUSER rules: a rule that is a password (`>pw`, `<pw`, `#hash`, `!hash`) is masked
    /// whole. Redis joins the arguments from one starting with `(` to one ending with `)` into a
    /// selector and splits that on spaces; a password there is refused by Redis, but it was typed,
    /// so from the first such token the rest of the selector is masked.
    private static func maskACLRules(_ out: inout [String], from first: Int) {
        var inSelector = false
        var masking = false
        for i in first..<max(out.count, first) {
            let arg = out[i]
            let opens = !inSelector && arg.hasPrefix("(")
            guard inSelector || opens else {
                if let c = arg.first, aclSecretMarks.contains(c) { out[i] = String(c) + mask }
                continue
            }
            let closes = arg.hasSuffix(")")
            var body = Substring(arg)
            if opens { body = body.dropFirst() }
            if closes { body = body.dropLast() }
            let tokens = body.split(omittingEmptySubsequences: false, whereSeparator: \.isWhitespace).map { token -> String in
                let rule = token.drop { $0 == "\"" || $0 == "'" }
                if !masking, let c = rule.first, aclSecretMarks.contains(c) {
                    masking = true
                    return String(c) + mask
                }
                return masking && !token.isEmpty ? mask : String(token)
            }
            out[i] = (opens ? "(" : "") + tokens.joined(separator: " ") + (closes ? ")" : "")
            inSelector = !closes
            if closes { masking = false }
        }
    }

    /// A server's error about a command whose secrets were masked, which may quote them back
    /// (`ERR Error in ACL SETUSER modifier '(>pw)': Syntax error`): its code (`ERR`) and a mask.
    public static func redisError(_ text: String) -> String {
        let code = text.prefix { $0 != " " }
        let isCode = !code.isEmpty && code.allSatisfy { ("A"..."Z").contains($0) || $0 == "_" || $0 == "-" }
        return isCode ? String(code) + " " + mask : mask
    }
}

/// Which of a client's StartupMessage run-time parameters go upstream. Only an allow-list does:
/// settings that change how data is formatted, none that change who the session is or what it
/// may do (`options=-c role=…`, `default_transaction_read_only=off`, `session_authorization`),
/// none that go around the audit (`replication`). Whatever else a client needs it can SET after
/// connecting, where the statement is audited. What is forwarded is recorded in db.session.start.
enum PGStartupParameters {
    /// Forwarded as sent (names matched case-insensitively, as PostgreSQL matches setting names).
    /// `search_path` is here because drivers set it at connect (pgjdbc `currentSchema`, Npgsql,
    /// asyncpg); it changes how names resolve, not what the user may do, and it is recorded.
    static let forwarded = ["application_name", "DateStyle", "TimeZone", "IntervalStyle", "extra_float_digits",
                            "search_path"]

    /// What goes upstream whatever the client asked: statements are audited as UTF-8, so the
    /// server must read them as UTF-8 too (the database's own encoding could differ).
    static let clientEncoding = "UTF8"

    /// libpq's `client_encoding=auto` in the C/POSIX locale sends SQL_ASCII; with it the server
    /// takes bytes as they come, and asking for UTF8 instead makes it check they are UTF-8.
    private static let acceptedEncodings: Set<String> = ["utf8", "unicode", "sqlascii"]

    private static let forwardedKeys = Set(forwarded.map { $0.lowercased() })

    struct Refusal: Error, Equatable {
        let sqlState: String
        let message: String
    }

    /// The parameters to send upstream after `user` and `database`, in the client's order (a
    /// repeated name keeps its last value, as PostgreSQL does), `application_name` (the client's
    /// or `postern`) and `client_encoding` (UTF8) always among them; or why the client is refused.
    /// `parameters` are the client's, without `user`, `database` and `replication`.
    static func upstream(from parameters: [(String, String)]) -> Result<[(String, String)], Refusal> {
        var out: [(String, String)] = []
        for (name, value) in parameters {
            let key = name.lowercased()
            if key == "client_encoding" {
                guard acceptedEncodings.contains(normalizedEncoding(value)) else {
                    return .failure(Refusal(sqlState: PGWire.SQLState.featureNotSupported,
                        message: "client_encoding \(quoted(value)) is not supported through Postern, which audits statements "
                            + "as UTF-8; connect with client_encoding=UTF8"))
                }
                continue
            }
            guard forwardedKeys.contains(key) else {
                return .failure(Refusal(sqlState: PGWire.SQLState.featureNotSupported,
                    message: "startup parameter \(quoted(name)) is not forwarded by Postern (it forwards "
                        + (["client_encoding"] + forwarded).joined(separator: ", ")
                        + "); SET it after connecting, where it is audited"))
            }
            out.removeAll { $0.0.lowercased() == key }
            out.append((name, value))
        }
        if !out.contains(where: { $0.0.lowercased() == "application_name" }) { out.append(("application_name", "postern")) }
        out.append(("client_encoding", clientEncoding))
        return .success(out)
    }

    /// An encoding name as PostgreSQL compares them: lower case, letters and digits only.
    private static func normalizedEncoding(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) })
    }
}

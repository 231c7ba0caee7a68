/// What went wrong with the shared store. Messages name the server and what it said; none holds a
/// password or token (libpq's never do, and ours do not add them).
public enum SharedAuditError: Error, Equatable, CustomStringConvertible {
    /// No connection (down, unreachable, TLS or sign-in refused).
    case unreachable(String)
    /// The server refused a statement.
    case failed(String, sqlState: String)
    /// The shared store's schema is missing or newer than this build.
    case schema(String)

    public var description: String {
        switch self {
        case .unreachable(let m): "the shared audit store is unreachable: \(m)"
        case .failed(let m, let state): "the shared audit store refused a statement" + (state.isEmpty ? "" : " (\(state))") + ": \(m)"
        case .schema(let m): "the shared audit store: \(m)"
        }
    }
}

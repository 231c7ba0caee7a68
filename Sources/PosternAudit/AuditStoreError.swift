/// Why the store could not take or give events. Messages name files and operations, never event contents.
public enum AuditStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The store was closed; nothing more is recorded.
    case closed
    /// The store file or its directory could not be created or opened.
    case cannotOpen(path: String, reason: String)
    /// A write or read failed (disk full, I/O error, database locked for too long…).
    case io(String)
    /// A stored line or row is not a valid event.
    case corrupt(position: Int64, reason: String)

    public var description: String {
        switch self {
        case .closed: "the audit store is closed"
        case .cannotOpen(let path, let reason): "cannot open audit store \(path): \(reason)"
        case .io(let reason): "audit store: \(reason)"
        case .corrupt(let position, let reason): "audit store: event at \(position) is unreadable: \(reason)"
        }
    }
}

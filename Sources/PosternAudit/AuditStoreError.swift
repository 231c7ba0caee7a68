import GRDB
import PosternCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the store could not take or give events. Messages name files and operations, never event contents.
public enum AuditStoreError: Error, Equatable, Sendable, CustomStringConvertible, AuditStoreFault {
    /// The store was closed; nothing more is recorded.
    case closed
    /// The store file or its directory could not be created or opened.
    case cannotOpen(path: String, reason: String)
    /// A write or read failed (I/O error, database locked for too long…).
    case io(String)
    /// A write found the disk (or quota) full; the same write works once space returns.
    case diskFull(String)
    /// A stored line or row is not a valid event.
    case corrupt(position: Int64, reason: String)

    public var description: String {
        switch self {
        case .closed: "the audit store is closed"
        case .cannotOpen(let path, let reason): "cannot open audit store \(path): \(reason)"
        case .io(let reason), .diskFull(let reason): "audit store: \(reason)"
        case .corrupt(let position, let reason): "audit store: event at \(position) is unreadable: \(reason)"
        }
    }

    public var isDiskFull: Bool { if case .diskFull = self { true } else { false } }

    /// A failed write(2)-like call, from `code` (errno): `what` names the call and file.
    static func write(_ what: String, errno code: Int32) -> AuditStoreError {
        let reason = "\(what): \(String(cString: strerror(code)))"
        return code == ENOSPC || code == EDQUOT ? .diskFull(reason) : .io(reason)
    }

    /// Any error of a commit as the store's own (SQLite's "database or disk is full" included).
    init(_ error: any Error) {
        if let own = error as? AuditStoreError {
            self = own
        } else if let sqlite = error as? DatabaseError, sqlite.resultCode == .SQLITE_FULL {
            self = .diskFull(String(describing: error))
        } else {
            self = .io(String(describing: error))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates the store's directory (each missing level 0700) and file (0600): audit events hold
/// queries, which only their owner should read.
enum AuditFiles {
    static func prepare(_ path: String) throws(AuditStoreError) {
        guard path.hasPrefix("/") else { throw .cannotOpen(path: path, reason: "the path must be absolute") }
        try makeDirectories(directory(of: path), path: path)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: errnoText()) }
        close(fd)
    }

    static func makeDirectories(_ dir: String, path: String) throws(AuditStoreError) {
        var current = ""
        for part in dir.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0, errno != EEXIST {
                throw .cannotOpen(path: path, reason: "mkdir \(current): \(errnoText())")
            }
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func closeDescriptor(_ fd: Int32) { close(fd) }

    /// Runs `body` holding an exclusive flock on `<path>.lock` (created 0600, kept): processes
    /// opening one store together create and migrate it one after the other. SQLite's busy timeout
    /// is not enough there: a transaction that read before another process wrote fails at once
    /// with "database is locked" rather than wait.
    static func whileOpening<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw AuditStoreError.cannotOpen(path: path, reason: "\(lockPath): \(errnoText())") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw AuditStoreError.cannotOpen(path: path, reason: "flock \(lockPath): \(errnoText())") }
        }
        return try body()
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Directories for private Unix sockets. A new one gets an unpredictable name (`mkdtemp`), so no
/// other user can create it first; any one is checked without following a symlink.
public enum PrivateDirectory {
    /// `<base>/<prefix>XXXXXX/<SessionSocket name>` must fit a socket path (107 bytes): a longer
    /// `$XDG_RUNTIME_DIR` is passed over for /tmp.
    static let maxBaseBytes = 60

    /// Creates `<base>/<prefix>XXXXXX`, mode 0700, in `$XDG_RUNTIME_DIR` when it is fit for it
    /// (see `runtimeBase`), else in /tmp.
    public static func create(prefix: String, environment: [String: String]) throws(ProxyListenerError) -> String {
        let base = runtimeBase(environment) ?? "/tmp"
        var template = Array((base + "/" + prefix + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } }
        guard made != nil else {
            throw ProxyListenerError("cannot create a private socket directory in \(base): \(errnoText())")
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        try check(path)
        return path
    }

    /// Creates `directory` 0700, or checks an existing one is ours, private and not a symlink
    /// (`check`): a directory given by path (`--socket`, the console's own).
    public static func prepare(_ directory: String) throws(ProxyListenerError) {
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
            throw ProxyListenerError("cannot create the socket directory \(directory): \(errnoText())")
        }
        try check(directory)
    }

    /// `$XDG_RUNTIME_DIR` if it is an absolute, short path to a directory (not a symlink) that is
    /// this user's and closed to others; nil otherwise.
    static func runtimeBase(_ environment: [String: String]) -> String? {
        guard let dir = environment["XDG_RUNTIME_DIR"], dir.hasPrefix("/"), dir.utf8.count <= maxBaseBytes else { return nil }
        return (try? check(dir)) == nil ? nil : dir
    }

    /// `path` is a directory itself (a symlink is refused, never followed), owned by this user,
    /// that no one else may enter.
    public static func check(_ path: String) throws(ProxyListenerError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ELOOP || errno == ENOTDIR ? "is not a directory (a symlink is never followed)" : errnoText()
            throw ProxyListenerError("the socket directory \(path) \(reason)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ProxyListenerError("the socket directory \(path): \(errnoText())") }
        guard st.st_uid == geteuid() else {
            throw ProxyListenerError("the socket directory \(path) is not a directory owned by this user")
        }
        guard st.st_mode & 0o077 == 0 else {
            throw ProxyListenerError("the socket directory \(path) is open to others (mode \(String(st.st_mode & 0o777, radix: 8))); it must be 0700")
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

import Foundation
import PosternCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file system for the config loader: stat(2) for modes and owners.
public struct LocalFileSystem: ConfigFileSystem {
    public init() {}

    public func info(_ path: String) -> FileInfo? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileInfo(mode: UInt32(st.st_mode), ownerUID: UInt32(st.st_uid),
                        isDirectory: (st.st_mode & S_IFMT) == S_IFDIR)
    }

    public func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    public func list(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
    }
}

public enum LocalIdentity {
    /// The login name of the effective user (getpwuid(geteuid())), not $USER, which anyone can set.
    public static func login() -> String {
        guard let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name else { return String(geteuid()) }
        return String(cString: name)
    }

    /// The login name of a uid, from the password database; nil when it has none.
    public static func login(uid: UInt32) -> String? {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid_t(uid), &pwd, &buffer, buffer.count, &result) == 0, result != nil, let name = pwd.pw_name else {
            return nil
        }
        return String(cString: name)
    }
}

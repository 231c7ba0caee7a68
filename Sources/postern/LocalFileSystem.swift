import Foundation
import PosternCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file system for the config loader: stat(2) for modes and owners.
struct LocalFileSystem: ConfigFileSystem {
    func info(_ path: String) -> FileInfo? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileInfo(mode: UInt32(st.st_mode), ownerUID: UInt32(st.st_uid),
                        isDirectory: (st.st_mode & S_IFMT) == S_IFDIR)
    }

    func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    func list(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
    }
}

enum LocalIdentity {
    /// The login name of the effective user (getpwuid(geteuid())), not $USER, which anyone can set.
    static func login() -> String {
        guard let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name else { return String(geteuid()) }
        return String(cString: name)
    }
}

enum ProcessEnvironment {
    static var current: [String: String] { ProcessInfo.processInfo.environment }
}

enum StandardError {
    static func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}

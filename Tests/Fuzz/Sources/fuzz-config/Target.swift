import FuzzSupport
import PosternCore

/// The config loader on an in-memory file system: the input up to its first NUL byte is
/// `postern.yaml`, the rest a file in `roles/` (read when the config names `roles_dir: roles`).
/// Invariants: an error names its file and says something; a config that loads has unique names, and its
/// RBAC never allows a connection to a database it hides.
enum ConfigTarget {
    static let configPath = "/etc/postern/postern.yaml"
    static let rolesDir = "/etc/postern/roles"
    static let rolePath = "/etc/postern/roles/fuzz.yaml"

    static func run(_ bytes: [UInt8]) {
        let cut = bytes.firstIndex(of: 0) ?? bytes.count
        let main = String(decoding: bytes[..<cut], as: UTF8.self)
        let roles = cut < bytes.count ? String(decoding: bytes[(cut + 1)...], as: UTF8.self) : nil
        var files = [configPath: main]
        if let roles { files[rolePath] = roles }
        let fs = FileSystem(files: files, directories: [rolesDir])

        do throws(ConfigError) {
            _ = try RoleDecoder.decodeAll(roles ?? main, file: rolePath)
        } catch {
            Fuzz.require(error.file == rolePath, "role error names \(error.file)")
        }

        let config: PosternConfig
        do throws(ConfigError) {
            config = try ConfigLoader(fs: fs).load(configPath).config
        } catch {
            Fuzz.require(!error.file.isEmpty && !error.message.isEmpty, "an error without a file or a message")
            return
        }
        Fuzz.require(Set(config.users.map(\.name)).count == config.users.count, "users defined twice")
        Fuzz.require(Set(config.roles.map(\.name)).count == config.roles.count, "roles defined twice")
        Fuzz.require(Set(config.databases.map(\.name)).count == config.databases.count, "databases defined twice")
        for user in config.users {
            guard let checker = try? config.accessChecker(for: user) else {
                Fuzz.require(false, "the loader accepted user \(user.name) without an access checker")
                return
            }
            let dbUsers = ["app", ""] + user.traits.values.flatMap { $0 }.prefix(4)
            for db in config.databases {
                let visible = checker.canSee(db)
                for dbUser in dbUsers {
                    let decision = checker.check(db, dbUser: dbUser, dbName: nil)
                    Fuzz.require(!decision.allowed || visible, "\(user.name) may connect to hidden \(db.name) as \(dbUser)")
                }
            }
        }
    }

    /// Files and directories by path, all owned by one user and writable only by it.
    struct FileSystem: ConfigFileSystem {
        let files: [String: String]
        let directories: Set<String>

        func info(_ path: String) -> FileInfo? {
            if files[path] != nil { return FileInfo(mode: 0o644, ownerUID: 1000, isDirectory: false) }
            if directories.contains(path) { return FileInfo(mode: 0o755, ownerUID: 1000, isDirectory: true) }
            return nil
        }

        func read(_ path: String) throws -> String {
            guard let text = files[path] else { throw ConfigError(file: path, message: "no such file") }
            return text
        }

        func list(_ directory: String) throws -> [String] {
            files.keys.filter { $0.hasPrefix(directory + "/") }.map { String($0.dropFirst(directory.count + 1)) }
        }
    }
}

/// What the loader needs from a file system; the CLI supplies POSIX, tests a fake.
public protocol ConfigFileSystem: Sendable {
    /// nil when the path does not exist.
    func info(_ path: String) -> FileInfo?
    func read(_ path: String) throws -> String
    /// Entry names (not paths) in a directory.
    func list(_ directory: String) throws -> [String]
}

public struct FileInfo: Sendable, Equatable {
    public var mode: UInt32
    public var ownerUID: UInt32
    public var isDirectory: Bool

    public init(mode: UInt32, ownerUID: UInt32, isDirectory: Bool) {
        self.mode = mode
        self.ownerUID = ownerUID
        self.isDirectory = isDirectory
    }

    /// Group- or world-writable: anyone else could grant themselves access.
    public var isWritableByOthers: Bool { mode & 0o022 != 0 }
}

/// Where the config is: `--config`, else `$POSTERN_CONFIG`, else the system default.
public enum ConfigLocation {
    public static let systemDefault = "/etc/postern/postern.yaml"

    public static func resolve(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["POSTERN_CONFIG"], !env.isEmpty { return env }
        return systemDefault
    }
}

/// Reads and checks the config file and its roles directory.
public struct ConfigLoader: Sendable {
    public let fs: any ConfigFileSystem

    public init(fs: any ConfigFileSystem) { self.fs = fs }

    public struct Loaded: Sendable {
        public var config: PosternConfig
        /// Owner of the config file: may use `--as`.
        public var ownerUID: UInt32
    }

    public func load(_ path: String) throws(ConfigError) -> Loaded {
        guard let info = fs.info(path) else {
            throw ConfigError(file: path, message: "config file not found (set --config or POSTERN_CONFIG)")
        }
        guard !info.isDirectory else { throw ConfigError(file: path, message: "is a directory, not a config file") }
        try refuseIfWritable(path, info)
        let text = try read(path)
        let baseDir = Self.directory(of: path)
        var (config, rolesDir) = try ConfigDecoder.decode(text, file: path, baseDir: baseDir)
        if let rolesDir { config.roles += try loadRolesDir(rolesDir) }
        config.rolesDirectory = rolesDir
        try ConfigDecoder.checkUnique(config.roles.map(\.name), what: "role", file: path)
        for user in config.users { _ = try config.accessChecker(for: user) }
        return Loaded(config: config, ownerUID: info.ownerUID)
    }

    func loadRolesDir(_ dir: String) throws(ConfigError) -> [Role] {
        guard let info = fs.info(dir) else { throw ConfigError(file: dir, message: "roles_dir does not exist") }
        guard info.isDirectory else { throw ConfigError(file: dir, message: "roles_dir is not a directory") }
        try refuseIfWritable(dir, info)
        let names: [String]
        do {
            names = try fs.list(dir).filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }.sorted()
        } catch {
            throw ConfigError(file: dir, message: "cannot list roles_dir: \(error)")
        }
        var roles: [Role] = []
        for name in names {
            let file = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            guard let fileInfo = fs.info(file), !fileInfo.isDirectory else { continue }
            try refuseIfWritable(file, fileInfo)
            roles += try RoleDecoder.decodeAll(try read(file), file: file)
        }
        return roles
    }

    private func read(_ path: String) throws(ConfigError) -> String {
        do {
            return try fs.read(path)
        } catch {
            throw ConfigError(file: path, message: "cannot read: \(error)")
        }
    }

    private func refuseIfWritable(_ path: String, _ info: FileInfo) throws(ConfigError) {
        guard info.isWritableByOthers else { return }
        let mode = String(info.mode & 0o7777, radix: 8)
        throw ConfigError(file: path, message:
            "refusing to start: writable by group or others (mode 0\(mode)), so anyone could grant themselves access; run: chmod go-w \(path)")
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

import PosternCore

#if canImport(Glibc)
import Glibc
#endif

/// What `postern serve` insists on before it holds anything for anyone: not root, a config and
/// roles only root or the service user can change, and secret files only the service can read.
public enum BastionDeployment {
    /// Refuses root (the service needs no privilege, and a root process would be a bigger prize).
    public static func checkUser(euid: UInt32) throws(BastionServiceError) {
        guard euid != 0 else {
            throw BastionServiceError("postern serve refuses to run as root: run it as the dedicated user postern (the systemd unit deploy/postern.service does, or: runuser -u postern -- postern serve)")
        }
    }

    /// The config file, the roles directory and its files: owned by root or the service user and
    /// not writable by group or others; password files: the service user's, readable by no one else.
    public static func checkFiles(_ config: PosternConfig, serviceUID: UInt32) throws(BastionServiceError) {
        var controlled = [config.path]
        if let dir = config.rolesDirectory {
            controlled.append(dir)
            for name in ((try? LocalFileSystem().list(dir)) ?? []).sorted() where name.hasSuffix(".yaml") {
                controlled.append(dir + "/" + name)
            }
        }
        for path in controlled {
            guard let st = status(path) else { throw BastionServiceError("\(path): cannot be read") }
            guard st.st_uid == 0 || st.st_uid == serviceUID else {
                throw BastionServiceError("\(path) is owned by uid \(st.st_uid); it must be owned by root or the service user, so no operator can change who may do what")
            }
            guard st.st_mode & 0o022 == 0 else {
                throw BastionServiceError("\(path) is writable by group or others (mode \(String(st.st_mode & 0o777, radix: 8))); make it 0640 or stricter")
            }
        }
        for path in secretFiles(config) {
            guard let st = status(path) else { throw BastionServiceError("\(path): the secret file cannot be read") }
            guard st.st_uid == serviceUID, st.st_mode & 0o077 == 0 else {
                throw BastionServiceError("\(path) must be owned by the service user and readable by no one else (chown postern \(path); chmod 0600 \(path)): operators must not read a secret")
            }
        }
    }

    /// Every password file the config names.
    static func secretFiles(_ config: PosternConfig) -> [String] {
        var out: [String] = []
        for db in config.databases {
            if case .password(.file(let path)) = db.auth { out.append(path) }
            if case .file(let path)? = db.redis.managedUsers?.adminPassword { out.append(path) }
        }
        return out
    }

    /// The permission bits of a file (0 when it cannot be stat'ed).
    static func mode(_ path: String) -> UInt32 {
        status(path).map { UInt32($0.st_mode & 0o7777) } ?? 0
    }

    private static func status(_ path: String) -> stat? {
        var st = stat()
        return stat(path, &st) == 0 ? st : nil
    }
}

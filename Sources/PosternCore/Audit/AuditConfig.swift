/// `audit:` in postern.yaml: where events are stored and how hard each commit is pushed to disk.
public struct AuditConfig: Sendable, Equatable {
    public enum Backend: String, Sendable, CaseIterable {
        /// Embedded SQLite in WAL mode: indexed search, several Postern processes may share the file.
        case sqlite
        /// One JSON object per line, appended.
        case jsonl
    }

    /// What a returned `record` survives. `normal`: the death of the process (`kill -9`), since the
    /// commit is in the OS before `record` returns; `full`: also an OS crash or power loss (an fsync per
    /// group commit, which costs the fsync's latency on every audited statement).
    public enum Synchronous: String, Sendable, CaseIterable {
        case normal
        case full
    }

    /// What Redis command events keep of the values written (`SET k v`, `HSET k f v`, …):
    /// `full` as sent, `redacted` masked. Passwords are masked either way.
    public enum RedisValues: String, Sendable, CaseIterable {
        case full
        case redacted
    }

    public var backend: Backend
    /// Absolute, or nil for the default under the XDG state directory.
    public var path: String?
    public var synchronous: Synchronous
    public var redisValues: RedisValues = .full
    /// The fleet's shared store, if any (`audit.shared`).
    public var shared: SharedAuditConfig?
    /// The name this bastion's events carry in the shared store; nil: the machine's host name.
    public var host: String?
    /// Bytes of indexed events allowed to wait for shipping (the local chunks past the cursor); past
    /// it new statements are refused (never forwarded unaudited). Nil: no budget.
    public var diskBudgetBytes: Int64?

    public init(backend: Backend = .sqlite, path: String? = nil, synchronous: Synchronous = .normal) {
        self.backend = backend
        self.path = path
        self.synchronous = synchronous
    }

    /// The store's file: `path`, else `$XDG_STATE_HOME/postern/audit.<ext>`, else
    /// `<home>/.local/state/postern/audit.<ext>` (XDG: a relative XDG_STATE_HOME is ignored).
    public func resolvedPath(environment: [String: String], home: String) -> String {
        if let path { return path }
        let file = backend == .sqlite ? "audit.sqlite" : "audit.jsonl"
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return ConfigDecoder.resolve("postern/" + file, against: state)
        }
        return ConfigDecoder.resolve(".local/state/postern/" + file, against: home)
    }
}

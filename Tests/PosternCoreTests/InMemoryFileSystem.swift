import PosternCore

/// A fake file system for loader tests: paths map to contents and modes.
struct InMemoryFileSystem: ConfigFileSystem {
    struct Entry: Sendable {
        var contents: String?
        var mode: UInt32
        var owner: UInt32
    }

    var entries: [String: Entry] = [:]

    mutating func file(_ path: String, _ contents: String, mode: UInt32 = 0o644, owner: UInt32 = 1000) {
        entries[path] = Entry(contents: contents, mode: mode, owner: owner)
    }

    mutating func directory(_ path: String, mode: UInt32 = 0o755) {
        entries[path] = Entry(contents: nil, mode: mode, owner: 1000)
    }

    func info(_ path: String) -> FileInfo? {
        guard let e = entries[path] else { return nil }
        return FileInfo(mode: e.mode, ownerUID: e.owner, isDirectory: e.contents == nil)
    }

    func read(_ path: String) throws -> String {
        guard let c = entries[path]?.contents else { throw ReadError() }
        return c
    }

    func list(_ directory: String) throws -> [String] {
        let prefix = directory + "/"
        return entries.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
            .map { String($0.dropFirst(prefix.count)) }
    }

    struct ReadError: Error {}
}

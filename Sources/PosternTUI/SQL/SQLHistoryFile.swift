import Foundation
import PosternCore

/// One database's history on disk: `<directory>/<database>.jsonl`, one JSON string per statement,
/// file 0600 in a 0700 directory (statements can hold data worth keeping private).
struct SQLHistoryFile: Sendable {
    let path: String

    init(directory: String, database: String) {
        // Any database name becomes a safe file name: other characters are %-escaped.
        let safe = database.unicodeScalars.map { u -> String in
            CharacterSet.alphanumerics.contains(u) && u.isASCII || u == "-" || u == "_" || u == "."
                ? String(u) : String(format: "%%%02X", u.value)
        }.joined()
        path = directory + "/" + (safe.hasPrefix(".") ? "%2E" + safe.dropFirst() : safe) + ".jsonl"
    }

    func load() -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(String.self, from: Data($0)) }
    }

    /// Appends one statement; the file is trimmed to the history limit when it grows past twice that.
    func append(_ statement: String) {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let line = Data((JSONString.quoted(statement) + "\n").utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let entries = load()
        if entries.count > 2 * SQLHistory.limit {
            let kept = entries.suffix(SQLHistory.limit).map { JSONString.quoted($0) + "\n" }.joined()
            try? Data(kept.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            chmod(path, 0o600)
        }
    }
}

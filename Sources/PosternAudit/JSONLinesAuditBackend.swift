import Logging
import PosternCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The second store: one JSON object per line, appended. A group commit is one write(2) of all its
/// lines under an exclusive flock (several processes may append); with `synchronous: full` an
/// fdatasync follows. As with SQLite's NORMAL, a returned `record` survives `kill -9` because the
/// bytes are in the kernel before it returns. A line torn by a process killed mid-write was never
/// acknowledged: the next append starts on a fresh line, and readers skip the fragment.
final class JSONLinesAuditBackend: AuditBackend {
    let path: String
    let fd: Int32
    let fullSync: Bool
    let logger: Logger

    init(path: String, synchronous: AuditConfig.Synchronous, logger: Logger) throws {
        try AuditFiles.prepare(path)
        let fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw AuditStoreError.cannotOpen(path: path, reason: AuditFiles.errnoText()) }
        self.path = path
        self.fd = fd
        self.fullSync = synchronous == .full
        self.logger = logger
    }

    func append(_ events: [AuditEvent]) throws -> [StoredAuditEvent] {
        // Encoded before the lock: only the write is serialized.
        let encoded = try events.map(EncodedAuditEvent.init)
        guard flock(fd, LOCK_EX) == 0 else { throw AuditStoreError.io("flock: \(AuditFiles.errnoText())") }
        defer { flock(fd, LOCK_UN) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw AuditStoreError.io("lseek: \(AuditFiles.errnoText())") }
        var bytes: [UInt8] = []
        if end > 0, try lastByte(before: Int64(end)) != 10 { bytes.append(10) } // end a torn line
        var stored: [StoredAuditEvent] = []
        stored.reserveCapacity(events.count)
        for e in encoded {
            let start = Int64(end) + Int64(bytes.count)
            bytes += e.json.utf8
            bytes.append(10)
            stored.append(StoredAuditEvent(previous: start, position: Int64(end) + Int64(bytes.count), event: e.event))
        }
        do {
            try writeAll(bytes)
            if fullSync, fdatasync(fd) != 0 { throw AuditStoreError.write("fdatasync", errno: errno) }
        } catch {
            _ = ftruncate(fd, end) // leave no partial batch behind for the next append to run into
            throw error
        }
        return stored
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                write(fd, buf.baseAddress.map { $0 + offset }, buf.count - offset)
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw AuditStoreError.write("write \(path)", errno: errno) }
            offset += n
        }
    }

    private func lastByte(before end: Int64) throws -> UInt8 {
        var b: UInt8 = 0
        guard pread(fd, &b, 1, off_t(end - 1)) == 1 else { throw AuditStoreError.io("pread: \(AuditFiles.errnoText())") }
        return b
    }

    func search(_ q: AuditSearch) throws -> [AuditEvent] {
        var matches: [AuditEvent] = []
        try scan(from: 0) { stored in
            if q.matches(stored.event) { matches.append(stored.event) }
            return true
        }
        // Newest `limit` by time, returned oldest first; file order breaks ties (the sort is stable).
        let sorted = matches.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        return sorted.suffix(max(q.limit, 0)).map(\.element)
    }

    func session(_ sid: String) throws -> [AuditEvent] {
        var out: [AuditEvent] = []
        try scan(from: 0) { stored in
            if stored.event.sessionID == sid { out.append(stored.event) }
            return true
        }
        return out.enumerated().sorted { ($0.element.index, $0.offset) < ($1.element.index, $1.offset) }.map(\.element)
    }

    func sessionJSON(_ sid: String) throws -> [String] {
        try session(sid).map { try $0.jsonString() }
    }

    func events(after cursor: Int64, limit: Int) throws -> [StoredAuditEvent] {
        var out: [StoredAuditEvent] = []
        try scan(from: cursor) { stored in
            out.append(stored)
            return out.count < limit
        }
        return out
    }

    func lastPosition() throws -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw AuditStoreError.io("fstat: \(AuditFiles.errnoText())") }
        return Int64(st.st_size)
    }

    func close() throws { AuditFiles.closeDescriptor(fd) }

    /// Reads complete lines from `offset` on; `body` returns false to stop. A trailing line without
    /// its newline is still being written (or was torn) and is not read.
    private func scan(from offset: Int64, _ body: (StoredAuditEvent) throws -> Bool) throws {
        let rfd = open(path, O_RDONLY | O_CLOEXEC)
        guard rfd >= 0 else { throw AuditStoreError.io("open \(path): \(AuditFiles.errnoText())") }
        defer { AuditFiles.closeDescriptor(rfd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var carry: [UInt8] = []
        var lineStart = offset
        var readAt = offset
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(rfd, $0.baseAddress, $0.count, off_t(readAt)) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw AuditStoreError.io("read \(path): \(AuditFiles.errnoText())") }
            if n == 0 { return }
            readAt += Int64(n)
            var from = 0
            for i in 0..<n where chunk[i] == 10 {
                carry += chunk[from..<i]
                let end = lineStart + Int64(carry.count) + 1
                if !carry.isEmpty {
                    if let event = decodeLine(carry, at: lineStart) {
                        guard try body(StoredAuditEvent(previous: lineStart, position: end, event: event)) else { return }
                    }
                }
                carry.removeAll(keepingCapacity: true)
                lineStart = end
                from = i + 1
            }
            carry += chunk[from..<n]
        }
    }

    private func decodeLine(_ line: [UInt8], at offset: Int64) -> AuditEvent? {
        do {
            return try decodeStored(String(decoding: line, as: UTF8.self), at: offset)
        } catch {
            logger.warning("skipping an unreadable audit line", metadata: ["file": "\(path)", "offset": "\(offset)"])
            return nil
        }
    }
}

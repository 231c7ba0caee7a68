import Foundation
import PosternCore

#if canImport(Glibc)
import CFallocate
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SQLite store's write-ahead journal: what makes an event durable before its statement is
/// forwarded. Each process appends to its own segment files (`<store>.journal/<time>-<pid>-<random>.pjr`,
/// a record per session per commit, `AuditRecordLine`; one write(2) per commit) and holds an exclusive flock
/// on each for as long as it lives; the SQLite index is filled from memory, in large batches, off
/// the statement's path.
/// A segment whose lock can be taken belongs to a process that died: the next store to open indexes
/// what is left of it and removes it. A commit costs one write(2) instead of a SQLite transaction.
final class AuditJournal: @unchecked Sendable {
    /// Where an event's line ends in the journal (what the index records as done).
    struct Position: Sendable {
        let segment: String
        let end: Int64
    }

    struct Segment {
        let name: String
        let fd: Int32
        var size: Int64
        /// Disk blocks are reserved up to here (see `reserve`).
        var reserved: Int64 = 0
    }

    /// Segments of records (`AuditRecordLine`): an older Postern, which would take the records for
    /// garbage and drop a dead segment of them, does not see these files at all.
    static let suffix = ".pjr"
    /// Segments an older Postern wrote, of JSON lines (chained, then before chains): still replayed.
    static let legacySuffixes = [".pjl", ".jsonl"]
    /// A segment past this size is retired (removed once indexed) and a new one started.
    static let segmentBytes: Int64 = 64 << 20
    /// Blocks are reserved this far ahead of the writes (a syscall per MiB journaled, not per commit).
    static let reserveBytes: Int64 = 1 << 20
    /// This journal's rotation size (smaller in tests that rotate).
    let rotateAt: Int64

    let directory: String
    /// Each open session's last hash (shared with the store: the same chain whichever path writes).
    let tips: AuditChainTips
    // `lock` guards everything below; `append` holds it across the write and `onAppend`, so the
    // index receives batches in journal order.
    private let lock = NSLock()
    private var current: Segment
    private var retired: [String: Segment] = [:]
    private var closed = false
    private var removed = false
    /// A write failed part-way: the segment's offsets past its last good line may have been seen
    /// (and indexed) by readers, so it is never written again; the next append starts a new one.
    private var mustRotate = false
    /// The filesystem cannot reserve blocks (no fallocate): a full disk is then found by the write.
    private var canReserve = true

    /// The journal directory of the store at `storePath`.
    static func directory(of storePath: String) -> String { storePath + ".journal" }

    /// For `synchronous: normal` only: with `full`, SQLite's own WAL is the cheaper thing to fsync.
    init(storePath: String, tips: AuditChainTips = AuditChainTips(), rotateAt: Int64 = segmentBytes) throws(AuditStoreError) {
        self.tips = tips
        self.rotateAt = rotateAt
        directory = Self.directory(of: storePath)
        try AuditFiles.makeDirectories(directory, path: storePath)
        current = try Self.openSegment(in: directory)
    }

    /// This process's segments (live, not to be indexed from their files by it).
    var ownSegments: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return Set(retired.keys).union([current.name])
    }

    /// Writes the linked records in one write(2) and, still in journal order, hands their index
    /// entries (one per record) and positions to `onAppend`. Throws if the write failed; then no
    /// offset of that segment is used again (see `mustRotate`).
    /// Records are built (`tips.link`) before: only the write is serialized.
    func append(_ linked: AuditChainTips.Linked,
                onAppend: ([AuditIndexEntry], [Position]) -> Void) throws(AuditStoreError) {
        let (entries, bytes, ends, moves) = (linked.entries, linked.bytes, linked.ends, linked.moves)
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { throw .closed }
        if current.size >= rotateAt || mustRotate {
            try rotate()
            mustRotate = false
        }
        let start = current.size
        try reserve(Int64(bytes.count))
        var written = 0
        do {
            try Self.writeAll(bytes, to: current.fd, name: current.name, written: &written)
        } catch {
            // Not cut back: a reader may already have indexed a whole line of the partial batch.
            // The fragment after it never parses; the segment is retired at its last good size.
            // The whole lines are records: they are indexed, and their sessions' chains go on from
            // them (the caller still refuses the statement: its commit as a whole failed).
            // A write that left the segment as it was keeps it in use (each refused statement
            // would otherwise open a segment and hold its descriptor).
            if written > 0 { mustRotate = true }
            let whole = ends.prefix { $0 <= Int64(written) }.count
            if whole > 0 {
                current.size = start + ends[whole - 1]
                tips.commit(moves, count: whole)
                let segment = current.name
                onAppend(Array(entries[..<whole]), ends[..<whole].map { Position(segment: segment, end: start + $0) })
            }
            throw error
        }
        tips.commit(moves)
        current.size += Int64(bytes.count)
        let segment = current.name
        onAppend(entries, ends.map { Position(segment: segment, end: start + $0) })
    }

    /// The index holds `segment` up to `end`: a retired segment indexed to its end is removed.
    func indexed(_ segment: String, upTo end: Int64) {
        lock.lock()
        defer { lock.unlock() }
        guard let seg = retired[segment], end >= seg.size else { return }
        retired[segment] = nil
        unlink(directory + "/" + segment)
        AuditFiles.closeDescriptor(seg.fd)
    }

    /// Later appends throw `.closed` (the store is closing; the index drains what was journaled).
    func stopAppends() {
        lock.lock()
        closed = true
        lock.unlock()
    }

    /// After the index caught up: removes every segment of this process (nothing is left to replay).
    /// Returns their names, for the index to forget.
    func close(indexed: Bool) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        guard !removed else { return [] }
        closed = true
        removed = true
        let all = [current] + Array(retired.values)
        retired = [:]
        for seg in all {
            // Not indexed (the index failed): left for the next store to replay, once our lock is gone.
            if indexed { unlink(directory + "/" + seg.name) }
            AuditFiles.closeDescriptor(seg.fd)
        }
        return indexed ? all.map(\.name) : []
    }

    /// Reserves disk blocks for the next `count` bytes before any is written (FALLOC_FL_KEEP_SIZE:
    /// the size, which readers go by, stays), so a full disk refuses a batch whole. Written into
    /// the last free bytes, a batch would stop part-way, its first lines whole in the file and so
    /// records (see `append`), though their statements were refused and never reached the server.
    /// A chunk ahead while there is room; at the disk's last bytes, what the batch needs.
    private func reserve(_ count: Int64) throws(AuditStoreError) {
        #if canImport(Glibc)
        guard canReserve, current.size + count > current.reserved else { return }
        var code: Int32 = 0
        for length in [max(count, Self.reserveBytes), count] {
            var rc: Int32
            repeat {
                rc = fallocate(current.fd, postern_FALLOC_FL_KEEP_SIZE, off_t(current.size), off_t(length))
                code = rc == 0 ? 0 : errno
            } while code == EINTR
            if rc == 0 {
                current.reserved = current.size + length
                return
            }
            guard code == ENOSPC || code == EDQUOT else {
                // Not a full disk (a filesystem that cannot reserve, say): the write finds out.
                if code == EOPNOTSUPP || code == ENOSYS || code == EINVAL { canReserve = false }
                return
            }
        }
        throw .write("reserve \(current.name)", errno: code)
        #endif
    }

    private func rotate() throws(AuditStoreError) {
        let next = try Self.openSegment(in: directory)
        retired[current.name] = current
        current = next
    }

    /// Created and locked under a name no one looks at, then renamed: another process must never
    /// find the segment unlocked and take it for a dead one. Names begin with the creation time
    /// (zero-padded nanoseconds), so segments sort, and are indexed from their files, in the order
    /// they were written.
    private static func openSegment(in directory: String) throws(AuditStoreError) -> Segment {
        var random = SystemRandomNumberGenerator()
        let nanos = String(stamps.next())
        let stamp = String(repeating: "0", count: max(0, 20 - nanos.count)) + nanos
        let name = "\(stamp)-\(getpid())-\(String(random.next() as UInt64, radix: 16))\(suffix)"
        let path = directory + "/" + name
        let fd = open(path + ".new", O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: AuditFiles.errnoText()) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0, rename(path + ".new", path) == 0 else {
            let reason = AuditFiles.errnoText()
            unlink(path + ".new")
            AuditFiles.closeDescriptor(fd)
            throw .cannotOpen(path: path, reason: reason)
        }
        return Segment(name: name, fd: fd, size: 0)
    }

    /// `written`: how many bytes made it, also when the write fails part-way.
    static func writeAll(_ bytes: [UInt8], to fd: Int32, name: String, written offset: inout Int) throws(AuditStoreError) {
        offset = 0
        while offset < bytes.count {
            let at = offset
            let n = bytes.withUnsafeBytes { buf in write(fd, buf.baseAddress.map { $0 + at }, buf.count - at) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw .write("write \(name)", errno: errno) }
            offset += n
        }
    }

    /// Creation times for segment names, never going back within the process (the wall clock may
    /// step back; a session's segments must still sort in the order they were written).
    private static let stamps = SegmentStamps()

    final class SegmentStamps: @unchecked Sendable {
        // `lock` guards `last`.
        private let lock = NSLock()
        private var last: Int64 = 0

        func next() -> Int64 {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let wall = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
            return lock.withLock {
                last = max(wall, last + 1)
                return last
            }
        }
    }

    static func isSegment(_ name: String) -> Bool { ([suffix] + legacySuffixes).contains { name.hasSuffix($0) } }

    /// Segment files still under their creation name a minute after it (a younger one may be
    /// between its creation and its lock).
    static func unfinished(in directory: String) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { name in ([suffix] + legacySuffixes).contains { name.hasSuffix($0 + ".new") }
        }
        return names.filter { name in
            var st = stat()
            return stat(directory + "/" + name, &st) == 0 && time(nil) - st.st_mtim.tv_sec > 60
        }
    }

    /// Segment files in `directory`, other than `own`.
    static func segments(in directory: String, except own: Set<String>) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { isSegment($0) && !own.contains($0) }.sorted()
    }
}

/// A segment opened for indexing: whether its writer is gone (its lock could be taken, and is
/// held until `close`), and its complete lines from an offset on.
struct JournalSegmentReader {
    let path: String
    let fd: Int32
    let dead: Bool

    /// Without `locking`, only reads (`dead` is then false): for `audit verify`, which must not
    /// hold a segment another store is about to replay.
    init?(directory: String, name: String, locking: Bool = true) {
        path = directory + "/" + name
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        dead = locking && flock(fd, LOCK_EX | LOCK_NB) == 0
    }

    func close() { AuditFiles.closeDescriptor(fd) }

    /// The file is gone from the directory (a segment is unlinked only once wholly indexed).
    var unlinked: Bool {
        var st = stat()
        return fstat(fd, &st) != 0 || st.st_nlink == 0
    }

    /// Complete lines from `offset`, each with the offset it ends at, reading `maxBytes` (more when
    /// one line is longer; a "line" past 1 GiB can only be garbage and is skipped whole).
    func lines(from offset: Int64, maxBytes: Int = 8 << 20) throws(AuditStoreError) -> [(line: ArraySlice<UInt8>, end: Int64)] {
        var chunk = [UInt8](repeating: 0, count: maxBytes)
        var n = 0
        while n < chunk.count {
            let got = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress.map { $0 + n }, $0.count - n, off_t(offset) + off_t(n)) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw .io("read \(path): \(AuditFiles.errnoText())") }
            if got == 0 { break }
            n += got
        }
        var out: [(line: ArraySlice<UInt8>, end: Int64)] = []
        var from = 0
        for i in 0..<n where chunk[i] == 10 {
            out.append((chunk[from..<i], offset + Int64(i) + 1))
            from = i + 1
        }
        if out.isEmpty, n == chunk.count {
            if maxBytes < 1 << 30 { return try lines(from: offset, maxBytes: maxBytes * 2) }
            out.append((chunk[0..<0], offset + Int64(n)))
        }
        return out
    }
}

/// A segment `audit verify` opened: read-only, unlocked.
struct OpenedSegment {
    let name: String
    let reader: JournalSegmentReader

    func close() { reader.close() }
}

extension JournalSegmentReader {
    /// Every segment in `directory` (none if there is no journal); throws if one cannot be read.
    static func openAll(in directory: String) throws(AuditStoreError) -> [OpenedSegment] {
        guard access(directory, F_OK) == 0 else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .io("cannot list the journal \(directory): \(AuditFiles.errnoText())")
        }
        var out: [OpenedSegment] = []
        for name in names.filter(AuditJournal.isSegment).sorted() {
            guard let reader = JournalSegmentReader(directory: directory, name: name, locking: false) else {
                if errno == ENOENT { continue } // indexed and removed since the listing
                let reason = AuditFiles.errnoText()
                out.forEach { $0.close() }
                throw .io("cannot read journal segment \(name): \(reason)")
            }
            out.append(OpenedSegment(name: name, reader: reader))
        }
        return out
    }
}

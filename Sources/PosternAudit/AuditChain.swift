import Crypto
import Foundation
import PosternCore

/// Tamper evidence: each session's records form a SHA-256 chain. A record holds the hash of the
/// record before it in its session (a per-session genesis value for the first) and its own hash,
/// over that previous hash and its content (`AuditRecordLine`: every field of its events; a JSON
/// line of the older kind: the columns search filters on and its exact JSON bytes). Changing a
/// record breaks its own hash; removing or moving one breaks the next record's link; cutting a
/// session's tail leaves the store's head for the session (`audit_sessions.last_hash`) pointing
/// past the end.
///
/// No key is involved: this is evidence against edits of parts of the store, not against someone
/// who rewrites a session wholesale (recomputing its hashes and head) or removes it entirely.
public struct AuditChainLink: Sendable, Equatable {
    public static let hashBytes = 32
    /// The previous record's hash, then this record's.
    public let previous: [UInt8]
    public let hash: [UInt8]

    public init(previous: [UInt8], hash: [UInt8]) {
        self.previous = previous
        self.hash = hash
    }

    /// Stored as one 64-byte value: previous, then own.
    init?(stored: [UInt8]) {
        guard stored.count == 2 * Self.hashBytes else { return nil }
        previous = Array(stored[..<Self.hashBytes])
        hash = Array(stored[Self.hashBytes...])
    }

    var stored: [UInt8] { previous + hash }

    /// The value a session's first record links to.
    public static func genesis(session: String) -> [UInt8] {
        var h = SHA256()
        h.update(data: Array("postern audit chain v1\n".utf8))
        h.update(data: Array(session.utf8))
        return Array(h.finalize())
    }

    /// The hash of a record (its indexed columns and JSON), following `previous`. Texts are
    /// length-prefixed, so no two different records hash the same bytes.
    static func hash(previous: [UInt8], row: AuditIndexRow) -> [UInt8] {
        var scratch: [UInt8] = []
        return hash(previous: previous, row: row, scratch: &scratch)
    }

    /// The same, with the hashed bytes laid out in `scratch` (reused across a batch) and digested in
    /// one call: per-field digest updates cost more than the copy on every audited statement.
    static func hash(previous: [UInt8], row: AuditIndexRow, scratch: inout [UInt8]) -> [UInt8] {
        scratch.removeAll(keepingCapacity: true)
        scratch += previous
        func number(_ n: Int64) { withUnsafeBytes(of: n.bigEndian) { scratch += $0 } }
        func text(_ t: String) {
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: t.utf8.count).bigEndian) { scratch += $0 }
            scratch += t.utf8
        }
        number(row.time)
        number(row.index)
        text(row.event)
        text(row.code)
        text(row.user)
        text(row.dbService)
        text(row.sessionID)
        text(row.uid)
        text(row.lineJSON)
        return Array(SHA256.hash(data: scratch))
    }

    static func hex(_ bytes: [UInt8], into out: inout [UInt8]) {
        // Digits by arithmetic: a static table costs a lazy-initialisation check per access.
        func digit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
        for b in bytes {
            out.append(digit(b >> 4))
            out.append(digit(b & 0xF))
        }
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        hex(bytes, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex<C: Collection<UInt8>>(_ text: C) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var high: UInt8?
        for c in text {
            guard let v = nibble(c) else { return nil }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}

/// The chain's tip for each session this process is writing. A session's records are written by
/// one writer, in order (its `SessionAuditor` commits one batch at a time), so linking happens
/// before the write and the tips move only once the write succeeded: a refused commit leaves no
/// link to a record that does not exist.
final class AuditChainTips: @unchecked Sendable {
    // `lock` guards `tips`.
    private let lock = NSLock()
    private var tips: [String: [UInt8]] = [:]

    /// What writing a record moves: its session's tip, dropped when the record's last event ends the session.
    struct Move {
        let session: String
        let hash: [UInt8]
        let ends: Bool
    }

    /// Events as record lines, linked into their chains: an index entry per record (its `line` a
    /// slice of `bytes`), `ends[i]` where record i ends in `bytes`, one move per record.
    struct Linked {
        var entries: [AuditIndexEntry] = []
        var bytes: [UInt8] = []
        var ends: [Int64] = []
        var moves: [Move] = []
        /// Events in all.
        var events = 0
    }

    /// The events (in order) as records: each run of one session's events (up to
    /// `AuditRecordLine.maxEvents` and `maxEventBytes`) is one record, linked to the session's tip.
    func link(_ events: [AuditEvent]) -> Linked {
        var builder = RecordBuilder(tips: self, events: events.count)
        var own = AuditRecordWriter()
        var start = 0
        while start < events.count {
            // Each event is read once (`for e in`): an event holds a score of strings, and every
            // `events[i]` use would copy it whole (retaining and releasing each).
            let first = events[start]
            own.bytes.removeAll(keepingCapacity: true)
            var entry = AuditIndexEntry(first)
            AuditRecordCodec.writeEvent(first, into: &own)
            for e in events[(start + 1)...] {
                if entry.count >= AuditRecordLine.maxEvents || own.bytes.count >= AuditRecordLine.maxEventBytes
                    || !Self.sameSession(e, first) { break }
                AuditRecordCodec.writeEvent(e, into: &own)
                entry.add(e)
            }
            start += entry.count
            builder.add(entry, events: own.bytes[...]) { AuditRecordLine.writeHeader(of: first, count: entry.count, into: &$0) }
        }
        return builder.finish()
    }

    /// Runs its writers encoded (each one record) as records, linked to their sessions' tips.
    func link(_ runs: [AuditEncodedRun]) -> Linked {
        var builder = RecordBuilder(tips: self, events: runs.reduce(0) { $0 + $1.count })
        for run in runs where run.count > 0 {
            builder.add(AuditIndexEntry(run), events: run.events.bytes[...]) {
                AuditRecordLine.writeHeader(of: run.session, count: run.count, into: &$0)
            }
        }
        return builder.finish()
    }

    /// Gathers records into one buffer, each linked to its session's tip (this batch's last record
    /// of the session, else the last one written).
    private struct RecordBuilder {
        let tips: AuditChainTips
        var out = Linked()
        var content = AuditRecordWriter()
        var local: [String: [UInt8]] = [:]
        var lines: [Range<Int>] = []

        init(tips: AuditChainTips, events: Int) {
            self.tips = tips
            out.events = events
            out.bytes.reserveCapacity(events * 160)
        }

        mutating func add(_ entry: AuditIndexEntry, events: ArraySlice<UInt8>, header: (inout AuditRecordWriter) -> Void) {
            var entry = entry
            let sid = entry.sessionID
            content.bytes.removeAll(keepingCapacity: true)
            header(&content)
            content.bytes += events
            let previous = local[sid] ?? tips.tip(sid) ?? AuditChainLink.genesis(session: sid)
            let lineStart = out.bytes.count
            let hash = AuditRecordLine.append(content: content.bytes[...], previous: previous, to: &out.bytes)
            local[sid] = hash
            entry.chain = AuditChainLink(previous: previous, hash: hash)
            out.moves.append(Move(session: sid, hash: hash, ends: entry.lastEnds))
            out.ends.append(Int64(out.bytes.count))
            lines.append(lineStart..<(out.bytes.count - 1))
            out.entries.append(entry)
        }

        /// Entries' lines are slices of the finished buffer (the index stores the lines as written).
        mutating func finish() -> Linked {
            for i in out.entries.indices { out.entries[i].line = out.bytes[lines[i]] }
            return out
        }
    }

    private func tip(_ session: String) -> [UInt8]? { lock.withLock { tips[session] } }

    /// A record writes its session's fields once: events whose fields differ (one sid written with
    /// another user, say) go into records of their own rather than take the first one's.
    private static func sameSession(_ a: AuditEvent, _ b: AuditEvent) -> Bool {
        a.sessionID == b.sessionID && a.user == b.user && a.clusterName == b.clusterName && a.database == b.database
            && a.origin == b.origin
    }

    /// The session writes nothing more.
    func forget(_ session: String) {
        _ = lock.withLock { tips.removeValue(forKey: session) }
    }

    var count: Int { lock.withLock { tips.count } }

    /// The first `count` moves' records were written.
    func commit(_ moves: [Move], count: Int? = nil) {
        lock.withLock {
            for move in moves.prefix(count ?? moves.count) {
                tips[move.session] = move.ends ? nil : move.hash
            }
        }
    }
}

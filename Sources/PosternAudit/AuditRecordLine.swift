import Crypto
import PosternCore

/// A journal record since store v8: the events one session committed together (a client read's
/// statements, a loop tick's results), in binary (`AuditRecordCodec`), with one link in the
/// session's chain. One record per session per commit instead of a line of JSON per event: the
/// proxy encodes a few bytes per statement and hashes once per read, and the JSON is rendered when
/// the events are read.
///
///     line    = "R" stuffed(previous hash ‖ hash ‖ content) "\n"
///     content = version (3; 2 is read) ‖ session fields ‖ varint(count) ‖ events
///     hash    = SHA256(previous hash ‖ content)
///
/// Stuffing keeps a record one line (so segments and index chunks hold both kinds alike): a newline
/// byte is written as ESC 0x01, an ESC as ESC 0x02. Lines of the older kind begin with a digit.
enum AuditRecordLine {
    static let marker: UInt8 = 0x52
    static let version = AuditRecordCodec.version
    /// Events per record at most (a chunk takes a record whole, and holds up to `AuditChunks.maxLines`).
    static let maxEvents = AuditEncodedRun.maxEvents
    /// Where a record is closed (see `AuditEncodedRun.maxEventBytes`).
    static let maxEventBytes = AuditEncodedRun.maxEventBytes
    private static let escape: UInt8 = 0x1B

    /// Appends the record of `content` (as `writeContent` lays it out), following `previous` in its
    /// session's chain; returns the record's hash.
    static func append(content: ArraySlice<UInt8>, previous: [UInt8], to out: inout [UInt8]) -> [UInt8] {
        let hash = hash(previous: previous, content: content)
        emit(AuditChainLink(previous: previous, hash: hash), content: content, to: &out)
        return hash
    }

    static func writeContent(_ events: ArraySlice<AuditEvent>, into w: inout AuditRecordWriter) {
        writeHeader(of: events.first, count: events.count, into: &w)
        for e in events { AuditRecordCodec.writeEvent(e, into: &w) }
    }

    /// The version, the session's fields (from `first`, whose session every event shares) and the count.
    static func writeHeader(of first: AuditEvent?, count: Int, into w: inout AuditRecordWriter) {
        w.byte(version)
        if let first { AuditRecordCodec.writeSession(of: first, into: &w) }
        w.varint(UInt64(count))
    }

    /// The same, with the session's fields as its writer encoded them.
    static func writeHeader(of session: AuditEncodedSession, count: Int, into w: inout AuditRecordWriter) {
        w.byte(version)
        w.bytes += session.fields
        w.varint(UInt64(count))
    }

    static func hash(previous: [UInt8], content: ArraySlice<UInt8>) -> [UInt8] {
        var h = SHA256()
        h.update(data: previous)
        h.update(data: content)
        return Array(h.finalize())
    }

    /// The line (with its newline) of a record whose link and content are given.
    static func emit(_ link: AuditChainLink, content: ArraySlice<UInt8>, to out: inout [UInt8]) {
        out.append(marker)
        stuff(link.previous[...], into: &out)
        stuff(link.hash[...], into: &out)
        stuff(content, into: &out)
        out.append(10)
    }

    /// A record read back: its link, its events, and whether its contents still match its hash.
    struct Parsed {
        let link: AuditChainLink
        let events: [AuditEvent]
        /// The link's bytes, then the content's.
        let body: [UInt8]

        /// The hash over its contents is the one it carries.
        var intact: Bool { hash(previous: link.previous, content: body[(2 * AuditChainLink.hashBytes)...]) == link.hash }
    }

    static func isRecord(_ line: ArraySlice<UInt8>) -> Bool { line.first == marker }

    /// The record a line (without its newline) holds, or nil if it is not a whole one.
    static func parse(_ line: ArraySlice<UInt8>) -> Parsed? {
        guard line.first == marker, let body = unstuff(line.dropFirst()) else { return nil }
        let n = AuditChainLink.hashBytes
        guard body.count > 2 * n else { return nil }
        var r = AuditRecordReader(body, from: 2 * n)
        guard let version = r.byte(), AuditRecordCodec.versions.contains(version),
              let session = AuditRecordCodec.readSession(&r), let count = r.count(),
              count > 0, count <= maxEvents
        else { return nil }
        var events: [AuditEvent] = []
        events.reserveCapacity(count)
        for _ in 0..<count {
            guard let e = AuditRecordCodec.readEvent(&r, of: session, version: version) else { return nil }
            events.append(e)
        }
        guard r.atEnd else { return nil }
        return Parsed(link: AuditChainLink(previous: Array(body[..<n]), hash: Array(body[n..<(2 * n)])), events: events, body: body)
    }

    /// The index rows of a record line: one per event, each with the record's link and line
    /// (`checking`: and whether the record matches its hash).
    static func rows(_ line: ArraySlice<UInt8>, checking: Bool = false) -> [AuditIndexRow]? {
        guard let parsed = parse(line) else { return nil }
        let count = parsed.events.count
        let intact = checking ? parsed.intact : nil
        return parsed.events.enumerated().map { k, e in
            AuditIndexRow(e, chain: parsed.link, line: line, part: AuditIndexRow.Part(ordinal: k, count: count, intact: intact))
        }
    }

    /// A record's link without decoding its events (the shipper's session heads).
    static func link(_ line: ArraySlice<UInt8>) -> AuditChainLink? {
        let n = AuditChainLink.hashBytes
        guard line.first == marker else { return nil }
        // Only the two hashes at the front are unstuffed: a record may be megabytes long.
        var head: [UInt8] = []
        var i = line.startIndex + 1
        while head.count < 2 * n, i < line.endIndex {
            if line[i] == escape {
                guard i + 1 < line.endIndex, line[i + 1] == 1 || line[i + 1] == 2 else { return nil }
                head.append(line[i + 1] == 1 ? 10 : escape)
                i += 2
            } else {
                head.append(line[i])
                i += 1
            }
        }
        guard head.count == 2 * n, i < line.endIndex else { return nil }
        return AuditChainLink(previous: Array(head[..<n]), hash: Array(head[n...]))
    }

    /// The session and first `ei` of a line that is not a whole record, if they can be read.
    static func sessionAndIndex(_ line: ArraySlice<UInt8>) -> (session: String, index: Int64?)? {
        guard line.first == marker, let body = unstuff(line.dropFirst()), body.count > 2 * AuditChainLink.hashBytes else { return nil }
        var r = AuditRecordReader(body, from: 2 * AuditChainLink.hashBytes)
        guard let version = r.byte(), AuditRecordCodec.versions.contains(version),
              let session = AuditRecordCodec.readSession(&r) else { return nil }
        _ = r.count()
        return (session.sessionID, r.int())
    }

    private static func stuff(_ bytes: ArraySlice<UInt8>, into out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { b in
            var from = 0
            for i in 0..<b.count where b[i] == 10 || b[i] == escape {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[from..<i]))
                out.append(escape)
                out.append(b[i] == 10 ? 1 : 2)
                from = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[from...]))
        }
    }

    private static func unstuff(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            i += 1
            guard b == escape else {
                out.append(b)
                continue
            }
            guard i < bytes.endIndex else { return nil }
            switch bytes[i] {
            case 1: out.append(10)
            case 2: out.append(escape)
            default: return nil
            }
            i += 1
        }
        return out
    }
}

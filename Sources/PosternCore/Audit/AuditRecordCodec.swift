/// The binary form of audit events in a journal record (`AuditRecordLine`): what the proxy
/// writes per statement instead of JSON, which is rendered from it when read (the same bytes:
/// `AuditEvent.jsonString()` of the decoded event). Numbers are LEB128 varints unless fixed,
/// texts a varint length then UTF-8, lists a varint count then their items.
package struct AuditRecordWriter {
    package var bytes: [UInt8] = []

    package init() {}

    package mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    package mutating func int(_ value: Int64) { varint(UInt64(bitPattern: value)) }

    package mutating func fixed(_ value: Int64) { withUnsafeBytes(of: value.bigEndian) { bytes += $0 } }

    package mutating func byte(_ value: UInt8) { bytes.append(value) }

    package mutating func flag(_ value: Bool) { bytes.append(value ? 1 : 0) }

    package mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    package mutating func texts(_ values: [String]) {
        varint(UInt64(values.count))
        for v in values { text(v) }
    }

    /// Keys sorted: the same map gives the same bytes (and hash).
    package mutating func map(_ values: [String: String]) {
        varint(UInt64(values.count))
        for (k, v) in values.sorted(by: { $0.key < $1.key }) {
            text(k)
            text(v)
        }
    }

    package mutating func blob(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes += value
    }
}

/// Reads what `AuditRecordWriter` wrote; nil (never a trap) for bytes that are not that.
package struct AuditRecordReader {
    package let bytes: [UInt8]
    package var at: Int

    package init(_ bytes: [UInt8], from start: Int = 0) {
        self.bytes = bytes
        at = start
    }

    package var atEnd: Bool { at == bytes.count }

    package mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while at < bytes.count, shift < 64 {
            let b = bytes[at]
            at += 1
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    package mutating func int() -> Int64? { varint().map { Int64(bitPattern: $0) } }

    package mutating func count() -> Int? {
        // A count can be no larger than the bytes left (each item takes one at least).
        guard let n = varint(), n <= UInt64(bytes.count - at) else { return nil }
        return Int(n)
    }

    package mutating func fixed() -> Int64? {
        guard bytes.count - at >= 8 else { return nil }
        var v: UInt64 = 0
        for b in bytes[at..<(at + 8)] { v = v << 8 | UInt64(b) }
        at += 8
        return Int64(bitPattern: v)
    }

    package mutating func byte() -> UInt8? {
        guard at < bytes.count else { return nil }
        defer { at += 1 }
        return bytes[at]
    }

    package mutating func flag() -> Bool? {
        switch byte() {
        case 0: false
        case 1: true
        default: nil
        }
    }

    package mutating func raw() -> ArraySlice<UInt8>? {
        guard let n = count() else { return nil }
        defer { at += n }
        return bytes[at..<(at + n)]
    }

    package mutating func text() -> String? { raw().map { String(decoding: $0, as: UTF8.self) } }

    package mutating func texts() -> [String]? {
        guard let n = count() else { return nil }
        var out: [String] = []
        // Bounded: a damaged count may claim a string per byte of a large line.
        out.reserveCapacity(min(n, 64))
        for _ in 0..<n {
            guard let t = text() else { return nil }
            out.append(t)
        }
        return out
    }

    package mutating func map() -> [String: String]? {
        guard let n = count() else { return nil }
        var out: [String: String] = [:]
        for _ in 0..<n {
            guard let k = text(), let v = text() else { return nil }
            out[k] = v
        }
        return out
    }

    package mutating func blob() -> [UInt8]? { raw().map(Array.init) }
}

/// Events in binary: a session's shared fields once per record, then each event's own.
package enum AuditRecordCodec {
    /// The fields every event of a session shares (`AuditEvent.writeSessionFields` in JSON).
    package static func writeSession(of e: AuditEvent, into w: inout AuditRecordWriter) {
        writeSession(sessionID: e.sessionID, clusterName: e.clusterName, user: e.user, database: e.database, origin: e.origin, into: &w)
    }

    package static func writeSession(sessionID: String, clusterName: String, user: String, database d: AuditDatabase,
                                     origin: AuditOrigin, into w: inout AuditRecordWriter) {
        w.text(sessionID)
        w.text(clusterName)
        w.text(user)
        w.text(d.service)
        w.text(d.protocol)
        w.text(d.uri)
        w.text(d.name)
        w.text(d.user)
        w.map(d.labels)
        w.text(d.awsRegion)
        w.text(d.awsRedshiftClusterID)
        w.texts(d.roles)
        w.text(d.type)
        w.text(d.origin)
        w.text(origin.login)
        w.flag(origin.uid != nil)
        if let uid = origin.uid { w.varint(UInt64(uid)) }
        w.text(origin.clientAddress)
    }

    /// An event with only its own fields set (index, uid, time, details): `Session.event` completes it.
    package struct Session: Sendable {
        package let sessionID: String
        package let clusterName: String
        package let user: String
        package let database: AuditDatabase
        package let origin: AuditOrigin

        package func event(index: Int64, id: String, time: AuditTime, details: AuditEventDetails) -> AuditEvent {
            AuditEvent(index: index, id: id, time: time, clusterName: clusterName, user: user, sessionID: sessionID,
                       database: database, origin: origin, details: details)
        }
    }

    package static func readSession(_ r: inout AuditRecordReader) -> Session? {
        guard let sid = r.text(), let cluster = r.text(), let user = r.text(),
              let service = r.text(), let proto = r.text(), let uri = r.text(), let name = r.text(),
              let dbUser = r.text(), let labels = r.map(), let region = r.text(), let redshift = r.text(),
              let roles = r.texts(), let type = r.text(), let dbOrigin = r.text(),
              let login = r.text(), let hasUID = r.flag()
        else { return nil }
        var uid: UInt32?
        if hasUID {
            guard let v = r.varint(), let u = UInt32(exactly: v) else { return nil }
            uid = u
        }
        guard let address = r.text() else { return nil }
        let database = AuditDatabase(service: service, protocol: proto, uri: uri, name: name, user: dbUser, labels: labels,
                                     awsRegion: region, awsRedshiftClusterID: redshift, roles: roles, type: type,
                                     origin: dbOrigin)
        return Session(sessionID: sid, clusterName: cluster, user: user, database: database,
                       origin: AuditOrigin(login: login, uid: uid, clientAddress: address))
    }

    /// One event's own fields.
    package static func writeEvent(_ e: AuditEvent, into w: inout AuditRecordWriter) {
        w.int(e.index)
        w.fixed(e.time.nanoseconds)
        writeID(e.id, session: e.sessionID, own: e.index, into: &w)
        writeDetails(e.details, session: e.sessionID, own: e.index, into: &w)
    }

    /// The version of records' contents this build writes: 3 writes ids derived from the session id
    /// and an `ei` (`AuditEncodedRun.derivedID`) as that `ei` (or nothing, when it is the event's own);
    /// 2 wrote every id as text. Both are read.
    package static let version: UInt8 = 3
    package static let versions: ClosedRange<UInt8> = 2...3

    /// An event's `uid`, or a result's query uid: derived from the event's own `ei` (0), from another
    /// `ei` (1, then it), or any other text (2, then it).
    package static func writeID(_ id: String, session: String, own: Int64, into w: inout AuditRecordWriter) {
        if let index = AuditEncodedRun.derivedIndex(of: id, session: session) {
            if index == own {
                w.byte(0)
            } else {
                w.byte(1)
                w.int(index)
            }
        } else {
            w.byte(2)
            w.text(id)
        }
    }

    static func readID(_ r: inout AuditRecordReader, session: String, own: Int64, version: UInt8) -> String? {
        guard version >= 3 else { return r.text() }
        switch r.byte() {
        case 0: return AuditEncodedRun.derivedID(session: session, index: own)
        case 1: return r.int().map { AuditEncodedRun.derivedID(session: session, index: $0) }
        case 2: return r.text()
        default: return nil
        }
    }

    package static func readEvent(_ r: inout AuditRecordReader, of session: Session, version: UInt8) -> AuditEvent? {
        guard let index = r.int(), let time = r.fixed(),
              let id = readID(&r, session: session.sessionID, own: index, version: version),
              let details = readDetails(&r, session: session.sessionID, own: index, version: version)
        else { return nil }
        return session.event(index: index, id: id, time: AuditTime(nanoseconds: time), details: details)
    }

    private static func writeStatus(_ s: AuditStatus, into w: inout AuditRecordWriter) {
        w.flag(s.success)
        w.text(s.error)
        w.text(s.message)
    }

    private static func readStatus(_ r: inout AuditRecordReader) -> AuditStatus? {
        guard let success = r.flag(), let error = r.text(), let message = r.text() else { return nil }
        return AuditStatus(success: success, error: error, message: message)
    }

    private static func writeTime(_ t: AuditTime?, into w: inout AuditRecordWriter) {
        w.flag(t != nil)
        if let t { w.fixed(t.nanoseconds) }
    }

    /// `.some(nil)`: absent; nil: not readable.
    private static func readTime(_ r: inout AuditRecordReader) -> AuditTime?? {
        guard let present = r.flag() else { return nil }
        guard present else { return .some(nil) }
        return r.fixed().map { .some(AuditTime(nanoseconds: $0)) }
    }

    // Tags: never renumbered (records on disk hold them).
    package static func writeDetails(_ d: AuditEventDetails, session: String, own: Int64, into w: inout AuditRecordWriter) {
        switch d {
        case .sessionStart(let s):
            w.byte(0)
            writeStatus(s.status, into: &w)
            w.text(s.serverID)
            w.text(s.serverHostname)
            w.text(s.serverVersion)
            w.text(s.localAddr)
            w.text(s.remoteAddr)
            w.text(s.userAgent)
            w.varint(UInt64(s.postgresPID))
            w.map(s.startupParameters)
        case .sessionEnd(let s):
            w.byte(1)
            writeTime(s.sessionStart, into: &w)
            writeTime(s.sessionStop, into: &w)
            w.text(s.localAddr)
            w.text(s.remoteAddr)
            w.texts(s.participants)
            w.text(s.reason)
        case .query(let q):
            w.byte(2)
            w.text(q.query)
            w.texts(q.parameters)
            writeStatus(q.status, into: &w)
        case .postgresParse(let p):
            w.byte(3)
            w.text(p.statementName)
            w.text(p.query)
        case .postgresBind(let b):
            w.byte(4)
            w.text(b.statementName)
            w.text(b.portalName)
            w.texts(b.parameters)
        case .postgresExecute(let e):
            w.byte(5)
            w.text(e.portalName)
        case .postgresClose(let c):
            w.byte(6)
            w.text(c.statementName)
            w.text(c.portalName)
        case .postgresFunction(let f):
            w.byte(7)
            w.varint(UInt64(f.functionOID))
            w.texts(f.functionArgs)
        case .malformedPacket(let m):
            w.byte(8)
            w.blob(m.payload)
        case .result(let r):
            writeResult(r, into: &w) { writeID(r.queryID, session: session, own: own, into: &$0) }
        }
    }

    /// A result (kind 9), its query uid written by `queryID`.
    package static func writeResult(_ r: AuditEventDetails.Result, into w: inout AuditRecordWriter,
                                    queryID: (inout AuditRecordWriter) -> Void) {
        w.byte(9)
        queryID(&w)
        writeStatus(r.status, into: &w)
        w.text(r.sqlState)
        w.flag(r.affectedRecords != nil)
        if let n = r.affectedRecords { w.varint(n) }
        w.int(r.durationMicroseconds)
        w.text(r.commandTag)
    }

    private static func readDetails(_ r: inout AuditRecordReader, session: String, own: Int64, version: UInt8) -> AuditEventDetails? {
        switch r.byte() {
        case 0:
            guard let status = readStatus(&r), let serverID = r.text(), let host = r.text(), let serverVersion = r.text(),
                  let local = r.text(), let remote = r.text(), let agent = r.text(),
                  let pidValue = r.varint(), let pid = UInt32(exactly: pidValue), let params = r.map()
            else { return nil }
            return .sessionStart(.init(status: status, serverID: serverID, serverHostname: host, serverVersion: serverVersion,
                                       localAddr: local, remoteAddr: remote, userAgent: agent, postgresPID: pid,
                                       startupParameters: params))
        case 1:
            guard let start = readTime(&r), let stop = readTime(&r), let local = r.text(), let remote = r.text(),
                  let participants = r.texts(), let reason = r.text()
            else { return nil }
            return .sessionEnd(.init(sessionStart: start, sessionStop: stop, localAddr: local, remoteAddr: remote,
                                     participants: participants, reason: reason))
        case 2:
            guard let query = r.text(), let parameters = r.texts(), let status = readStatus(&r) else { return nil }
            return .query(.init(query: query, parameters: parameters, status: status))
        case 3:
            guard let name = r.text(), let query = r.text() else { return nil }
            return .postgresParse(.init(statementName: name, query: query))
        case 4:
            guard let name = r.text(), let portal = r.text(), let parameters = r.texts() else { return nil }
            return .postgresBind(.init(statementName: name, portalName: portal, parameters: parameters))
        case 5:
            return r.text().map { .postgresExecute(.init(portalName: $0)) }
        case 6:
            guard let name = r.text(), let portal = r.text() else { return nil }
            return .postgresClose(.init(statementName: name, portalName: portal))
        case 7:
            guard let v = r.varint(), let oid = UInt32(exactly: v), let args = r.texts() else { return nil }
            return .postgresFunction(.init(functionOID: oid, functionArgs: args))
        case 8:
            return r.blob().map { .malformedPacket(.init(payload: $0)) }
        case 9:
            guard let queryID = readID(&r, session: session, own: own, version: version), let status = readStatus(&r),
                  let sqlState = r.text(), let hasRows = r.flag()
            else { return nil }
            var rows: UInt64?
            if hasRows {
                guard let n = r.varint() else { return nil }
                rows = n
            }
            guard let micros = r.int(), let tag = r.text() else { return nil }
            return .result(.init(queryID: queryID, status: status, sqlState: sqlState, affectedRecords: rows,
                                 durationMicroseconds: micros, commandTag: tag))
        default:
            return nil
        }
    }
}

import CLibPQ
import Foundation

/// One column of a result, as the grid shows it.
public struct SQLColumn: Sendable, Equatable {
    public let name: String
    /// The type's oid: numbers are right-aligned.
    public let typeOID: UInt32
}

/// A PostgreSQL error with its SQLSTATE, as libpq reports it.
public struct SQLError: Sendable, Equatable {
    public var sqlState: String
    public var severity: String
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character position in the statement.
    public var position: Int?
}

/// What one `PQgetResult` brought.
enum PGEvent {
    case columns([SQLColumn])
    /// A row; nil when the caller asked not to keep it (past the grid's cap: only counted).
    case row([String?]?)
    /// A statement finished: its command tag and, for SELECT-like ones, the row count.
    case done(tag: String)
    case error(SQLError)
    case notice(String)
}

/// A libpq connection, used only from its session's own thread (libpq connections are not
/// thread-safe; `PGCanceller` is the one part meant for another thread).
final class PGConnection {
    private let conn: OpaquePointer
    private var columnsSent = false

    /// Connects over the proxy's Unix socket (no TLS there: the proxy speaks TLS upstream).
    init(endpoint: SessionEndpoint, applicationName: String) throws(ConnectError) {
        let keys = ["host", "port", "user", "dbname", "application_name", "connect_timeout"]
        let values = [endpoint.socketDirectory, String(endpoint.port), endpoint.dbUser, endpoint.dbName,
                      applicationName, "30"]
        let c = Self.withCStrings(keys) { k in Self.withCStrings(values) { v in PQconnectdbParams(k, v, 0) } }
        guard let c else { throw ConnectError("out of memory starting a PostgreSQL connection") }
        guard PQstatus(c) == CONNECTION_OK else {
            let message = Self.clean(String(cString: PQerrorMessage(c)))
            PQfinish(c)
            throw ConnectError(message)
        }
        conn = c
    }

    deinit {
        PQfinish(conn)
        noticeBox?.release()
    }

    private var noticeBox: Unmanaged<NoticeHandler>?

    /// Server notices (RAISE NOTICE, "… does not exist, skipping") go to `handler`, on this thread.
    func onNotice(_ handler: @escaping (String) -> Void) {
        let box = Unmanaged.passRetained(NoticeHandler(handler))
        noticeBox?.release()
        noticeBox = box
        PQsetNoticeReceiver(conn, { context, result in
            guard let context, let result else { return }
            let severity = PQresultErrorField(result, postern_PG_DIAG_SEVERITY).map { String(cString: $0) } ?? "NOTICE"
            let message = PQresultErrorField(result, postern_PG_DIAG_MESSAGE_PRIMARY).map { String(cString: $0) } ?? ""
            Unmanaged<NoticeHandler>.fromOpaque(context).takeUnretainedValue().handler(severity + ": " + message)
        }, box.toOpaque())
    }

    /// "15.4" from the server's version number.
    var serverVersion: String {
        let v = Int(PQserverVersion(conn))
        return v >= 100000 ? "\(v / 10000).\(v % 10000)" : "\(v / 10000).\(v / 100 % 100).\(v % 100)"
    }

    func canceller() -> PGCanceller? { PQgetCancel(conn).map(PGCanceller.init) }

    /// Sends a statement (several, `;`-separated, are fine) and asks for rows one at a time, so the
    /// first rows show at once and memory stays bounded. `params` use the extended protocol.
    func send(_ sql: String, params: [String] = []) -> String? {
        columnsSent = false
        let ok: Int32
        if params.isEmpty {
            ok = PQsendQuery(conn, sql)
        } else {
            ok = Self.withCStrings(params) { p in
                PQsendQueryParams(conn, sql, Int32(params.count), nil, p, nil, nil, 0)
            }
        }
        guard ok == 1 else { return Self.clean(String(cString: PQerrorMessage(conn))) }
        _ = PQsetSingleRowMode(conn)
        return nil
    }

    /// The next events of the running statement, blocking until they arrive; nil when all is done.
    /// With `keep` false, streamed rows are counted but not copied out of libpq.
    func next(keep: Bool = true) -> [PGEvent]? {
        while true {
            guard let r = PQgetResult(conn) else { return nil }
            defer { PQclear(r) }
            switch PQresultStatus(r) {
            case PGRES_SINGLE_TUPLE:
                if columnsSent { return [.row(keep ? row(r, 0) : nil)] }
                columnsSent = true
                return [.columns(columns(r)), .row(row(r, 0))]
            case PGRES_TUPLES_OK:
                // The end of a streamed result, or a whole one (an empty result, or single-row mode refused).
                defer { columnsSent = false }
                if columnsSent { return [.done(tag: tag(r))] }
                return [.columns(columns(r))] + (0..<PQntuples(r)).map { .row(row(r, $0)) } + [.done(tag: tag(r))]
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                return [.done(tag: tag(r))]
            case PGRES_COPY_OUT:
                // The console shows no COPY stream: read it to the end and say so.
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(conn, &buffer, 0) > 0 { PQfreemem(buffer) }
                return [.notice("COPY TO STDOUT data is not shown in the console")]
            case PGRES_COPY_IN:
                _ = PQputCopyEnd(conn, "COPY FROM STDIN is not supported in the console")
                continue
            default:
                return [.error(error(r))]
            }
        }
    }

    private func columns(_ r: OpaquePointer) -> [SQLColumn] {
        (0..<PQnfields(r)).map { i in SQLColumn(name: String(cString: PQfname(r, i)), typeOID: PQftype(r, i)) }
    }

    private func row(_ r: OpaquePointer, _ t: Int32) -> [String?] {
        (0..<PQnfields(r)).map { i in
            PQgetisnull(r, t, i) == 1 ? nil : String(cString: PQgetvalue(r, t, i))
        }
    }

    private func tag(_ r: OpaquePointer) -> String { String(cString: PQcmdStatus(r)) }

    private func error(_ r: OpaquePointer) -> SQLError {
        func field(_ code: Int32) -> String? { PQresultErrorField(r, code).map { String(cString: $0) } }
        let primary = field(postern_PG_DIAG_MESSAGE_PRIMARY) ?? Self.clean(String(cString: PQresultErrorMessage(r)))
        return SQLError(sqlState: field(postern_PG_DIAG_SQLSTATE) ?? "", severity: field(postern_PG_DIAG_SEVERITY) ?? "ERROR",
                        message: primary.isEmpty ? Self.clean(String(cString: PQerrorMessage(conn))) : primary,
                        detail: field(postern_PG_DIAG_MESSAGE_DETAIL), hint: field(postern_PG_DIAG_MESSAGE_HINT),
                        position: field(postern_PG_DIAG_STATEMENT_POSITION).flatMap { Int($0) })
    }

    /// The connection is gone (server or proxy ended it).
    var isBroken: Bool { PQstatus(conn) != CONNECTION_OK }

    static func clean(_ message: String) -> String {
        message.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "; ")
    }

    /// Calls `body` with a NULL-terminated array of C strings (valid only inside).
    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return body(copies.map { $0.map { UnsafePointer($0) } } + [nil])
    }
}

/// Sends a CancelRequest for a connection (through the proxy's socket, which maps it upstream).
/// `PQcancel` blocks and opens its own connection: call it off the UI thread.
final class PGCanceller: @unchecked Sendable {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { PQfreeCancel(handle) }

    /// nil when the request was sent, else why not.
    func cancel() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard PQcancel(handle, &buffer, Int32(buffer.count)) != 1 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Holds a notice callback for libpq's C notice receiver.
final class NoticeHandler {
    let handler: (String) -> Void
    init(_ handler: @escaping (String) -> Void) { self.handler = handler }
}

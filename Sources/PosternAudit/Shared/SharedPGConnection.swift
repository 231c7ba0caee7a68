import CLibPQ
import Foundation

/// Where the shared store is and who signs in (the password is an IAM token or a file's contents:
/// it goes to libpq in memory, never on a command line or into the environment).
public struct SharedPGSpec: Sendable {
    public var host: String
    /// The address to connect to when `host` is only the certificate's name (`tls.server_name`).
    public var hostAddress: String?
    public var port: Int
    public var database: String
    public var user: String
    public var password: String
    /// libpq's sslmode: verify-full, verify-ca, or require (`tls.mode: insecure`: TLS, nothing verified).
    public var sslMode: String
    public var caFile: String?

    public init(host: String, hostAddress: String? = nil, port: Int, database: String, user: String, password: String,
                sslMode: String, caFile: String?) {
        self.host = host
        self.hostAddress = hostAddress
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.sslMode = sslMode
        self.caFile = caFile
    }
}

/// A parameter of a statement: text, or raw bytes (bytea, sent in binary).
enum SharedPGValue {
    case text(String)
    case bytes([UInt8])
    case int(Int64)
}

/// A libpq connection to the shared store, used from one thread at a time (the shipper's, or a
/// reader's). Results come back in binary: bytea as bytes, int8 as big-endian.
final class SharedPGConnection {
    private let conn: OpaquePointer

    init(_ spec: SharedPGSpec, applicationName: String) throws(SharedAuditError) {
        // A silent network partition must not hold a shipper (and the snapshot its transaction keeps)
        // for the kernel's minutes: keepalives, an unacknowledged-send limit and a statement timeout.
        var keys = ["host", "port", "dbname", "user", "password", "sslmode", "application_name", "connect_timeout",
                    "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "options"]
        var values = [spec.host, String(spec.port), spec.database, spec.user, spec.password, spec.sslMode,
                      applicationName, "10", "1", "10", "5", "3", "30000", "-c statement_timeout=120000"]
        if let address = spec.hostAddress { keys.append("hostaddr"); values.append(address) }
        if let ca = spec.caFile { keys.append("sslrootcert"); values.append(ca) }
        let c = withCStrings(keys) { k in withCStrings(values) { v in PQconnectdbParams(k, v, 0) } }
        guard let c else { throw .unreachable("out of memory starting a PostgreSQL connection") }
        guard PQstatus(c) == CONNECTION_OK else {
            // libpq's message names host and port and why; it never holds the password.
            let message = clean(String(cString: PQerrorMessage(c)))
            PQfinish(c)
            throw .unreachable(message)
        }
        conn = c
    }

    deinit { PQfinish(conn) }

    var isBroken: Bool { PQstatus(conn) != CONNECTION_OK }

    /// Runs one statement; rows come back as columns of bytes (nil for NULL).
    @discardableResult
    func exec(_ sql: String, _ params: [SharedPGValue] = []) throws(SharedAuditError) -> [[[UInt8]?]] {
        var owned: [[UInt8]] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        owned.reserveCapacity(params.count)
        for p in params {
            switch p {
            case .text(let s): owned.append(Array(s.utf8) + [0]); lengths.append(0); formats.append(0)
            case .bytes(let b): owned.append(b); lengths.append(Int32(b.count)); formats.append(1)
            case .int(let n): owned.append(Array(String(n).utf8) + [0]); lengths.append(0); formats.append(0)
            }
        }
        let result: OpaquePointer? = withPointers(owned) { pointers in
            PQexecParams(conn, sql, Int32(params.count), nil, pointers, lengths, formats, 1)
        }
        guard let result else { throw .failed(clean(String(cString: PQerrorMessage(conn))), sqlState: "") }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return []
        case PGRES_TUPLES_OK:
            var rows: [[[UInt8]?]] = []
            let fields = PQnfields(result)
            for t in 0..<PQntuples(result) {
                rows.append((0..<fields).map { i -> [UInt8]? in
                    guard PQgetisnull(result, t, i) == 0, let value = PQgetvalue(result, t, i) else { return nil }
                    return value.withMemoryRebound(to: UInt8.self, capacity: Int(PQgetlength(result, t, i))) {
                        Array(UnsafeBufferPointer(start: $0, count: Int(PQgetlength(result, t, i))))
                    }
                })
            }
            return rows
        default:
            let state = PQresultErrorField(result, postern_PG_DIAG_SQLSTATE).map { String(cString: $0) } ?? ""
            let primary = PQresultErrorField(result, postern_PG_DIAG_MESSAGE_PRIMARY).map { String(cString: $0) }
            throw .failed(clean(primary ?? String(cString: PQresultErrorMessage(result))), sqlState: state)
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: () throws(SharedAuditError) -> T) throws(SharedAuditError) -> T {
        try exec("BEGIN")
        do throws(SharedAuditError) {
            let value = try body()
            try exec("COMMIT")
            return value
        } catch {
            _ = try? exec("ROLLBACK")
            throw error
        }
    }

    /// Channels' payloads received since the last call (after `LISTEN`), waiting up to `timeout`
    /// for the first.
    func notifications(waiting timeout: Duration) throws(SharedAuditError) -> [String] {
        var out = drain()
        guard out.isEmpty else { return out }
        var pfd = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
        let ms = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        _ = poll(&pfd, 1, ms)
        guard PQconsumeInput(conn) == 1 else { throw .unreachable(clean(String(cString: PQerrorMessage(conn)))) }
        out = drain()
        return out
    }

    private func drain() -> [String] {
        var out: [String] = []
        while let n = PQnotifies(conn) {
            out.append(String(cString: n.pointee.extra))
            PQfreemem(n)
        }
        return out
    }
}

/// Integers as the binary result format sends them.
extension Array where Element == UInt8 {
    var int64: Int64? {
        guard count == 8 else { return nil }
        return reduce(0) { $0 << 8 | Int64($1) }
    }

    var int32: Int32? {
        guard count == 4 else { return nil }
        return Int32(truncatingIfNeeded: reduce(0) { $0 << 8 | Int64($1) })
    }
}

private func clean(_ message: String) -> String {
    message.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "; ")
}

private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } } + [nil])
}

private func withPointers<R>(_ buffers: [[UInt8]], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    // Each buffer is copied once into memory that stays put for the call.
    let copies: [UnsafeMutablePointer<CChar>] = buffers.map { b in
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: Swift.max(b.count, 1))
        b.withUnsafeBytes { raw in
            if let base = raw.baseAddress { UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: b.count) }
        }
        return p
    }
    defer { copies.forEach { $0.deallocate() } }
    return body(copies.map { UnsafePointer($0) })
}

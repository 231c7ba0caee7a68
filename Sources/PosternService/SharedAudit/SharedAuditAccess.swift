#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import PosternAudit
import PosternAWS
import PosternCore
import PosternProxy

/// How this Postern reaches the shared audit store (`audit.shared`): the connection spec, signed
/// in as the config says (a password file or variable, or an RDS IAM token minted at each
/// connection), and the host name its events carry.
public struct SharedAuditAccess: Sendable {
    public let config: SharedAuditConfig
    public let host: String
    let signIn: DatabaseSignIn

    public init(config: SharedAuditConfig, host: String, signIn: DatabaseSignIn) {
        self.config = config
        self.host = host
        self.signIn = signIn
    }

    /// `audit.host`, else the machine's name.
    public static func hostName(_ audit: AuditConfig) -> String {
        if let host = audit.host { return host }
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// A fresh spec (an IAM token lasts 15 minutes: one per connection).
    public func spec() async throws -> SharedPGSpec {
        let server = config.server
        guard let endpoint = server.endpoint, let port = endpoint.port else {
            throw SharedAuditError.unreachable("audit.shared.postgres.uri has no host:port")
        }
        let route = Route(user: PosternUser(name: "postern-audit-shipper", roles: []), database: server, dbUser: config.user,
                          dbName: config.databaseName)
        let login = try await signIn.login(for: route)
        var spec = SharedPGSpec(host: endpoint.host, port: port, database: config.databaseName, user: login.user,
                                password: login.password, sslMode: Self.sslMode(server.tls.mode), caFile: try Self.caFile(server.tls))
        // The certificate's name differs from the address: libpq checks `host` and dials `hostaddr`,
        // which must be numeric.
        if let name = server.tls.serverName, !name.isEmpty, name != endpoint.host {
            spec.host = name
            spec.hostAddress = try Self.numericAddress(endpoint.host)
        }
        return spec
    }

    /// The same from a thread outside the concurrency pool (the shipper's): it waits there while
    /// AWS credentials are fetched.
    public func blockingSpec() throws -> SharedPGSpec {
        let access = self
        return try Self.wait { try await access.spec() }
    }

    /// libpq 15 has no `sslrootcert=system`: the system's bundle, named.
    static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"

    /// The roots libpq checks against: none in insecure mode (libpq would verify a chain given one),
    /// the configured file, else the system's bundle unless `trust_system_cert_pool: false`.
    static func caFile(_ tls: DatabaseTLS) throws -> String? {
        guard tls.mode != .insecure else { return nil }
        if let file = tls.caCertFile { return file }
        guard tls.trustSystemCertPool else {
            throw SharedAuditError.unreachable("audit.shared.postgres.tls: trust_system_cert_pool: false needs ca_cert_file")
        }
        return systemBundle
    }

    /// An IP literal as it is, a name resolved (its first address).
    static func numericAddress(_ host: String) throws -> String {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        var found: UnsafeMutablePointer<addrinfo>?
        if getaddrinfo(host, nil, &hints, &found) == 0 {
            freeaddrinfo(found)
            return host
        }
        hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        guard getaddrinfo(host, nil, &hints, &found) == 0, let first = found else {
            throw SharedAuditError.unreachable("cannot resolve \(host)")
        }
        defer { freeaddrinfo(found) }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
            throw SharedAuditError.unreachable("cannot resolve \(host)")
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func sslMode(_ mode: TLSMode) -> String {
        switch mode {
        case .verifyFull: "verify-full"
        case .verifyCA: "verify-ca"
        case .insecure: "require"
        }
    }

    /// Runs async work to completion from a thread that is not the concurrency pool's.
    private static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        return try box.get()
    }
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    // Written once by the task before it signals, read once after the wait: the semaphore orders them.
    private var result: Result<T, any Error>?
    func set(_ r: Result<T, any Error>) { result = r }
    func get() throws -> T {
        guard let result else { throw SharedAuditError.unreachable("the sign-in did not finish") }
        return try result.get()
    }
}

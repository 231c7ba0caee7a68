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
                                password: login.password, sslMode: Self.sslMode(server.tls.mode),
                                caFile: server.tls.caCertFile ?? Self.systemBundle)
        // The certificate's name differs from the address: libpq checks `host` and dials `hostaddr`.
        if let name = server.tls.serverName, !name.isEmpty, name != endpoint.host {
            spec.host = name
            spec.hostAddress = endpoint.host
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

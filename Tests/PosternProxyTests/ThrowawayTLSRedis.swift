import Foundation
import PosternTestSupport
import NIOCore
import NIOPosix
@testable import PosternProxy

/// A CA made for one test (never in the machine's store) and certificates it signs, in a temp dir.
final class ThrowawayCA: @unchecked Sendable {
    let dir: URL
    var certificate: String { dir.appendingPathComponent("ca.crt").path }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("postern-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-sha256", "-days", "2", "-subj", "/CN=Postern throwaway CA",
                          "-keyout", path("ca.key"), "-out", certificate])
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// A server certificate `name`.crt/.key with subject `/CN=commonName` and, when given, the
    /// subjectAltName `sans` (`DNS:localhost,IP:127.0.0.1`); none makes a legacy CN-only one.
    func issue(_ name: String, commonName: String, sans: String?) throws -> (certificate: String, key: String) {
        let extensions = ["basicConstraints=CA:FALSE", "keyUsage=digitalSignature", "extendedKeyUsage=serverAuth"]
            + (sans.map { ["subjectAltName=\($0)"] } ?? [])
        try extensions.joined(separator: "\n").write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try Self.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-subj", "/CN=\(commonName)", "-keyout", path("\(name).key"), "-out", path("\(name).csr")])
        try Self.openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", certificate, "-CAkey", path("ca.key"),
                          "-CAcreateserial", "-days", "2", "-sha256", "-extfile", path("\(name).ext"),
                          "-out", path("\(name).crt")])
        return (path("\(name).crt"), path("\(name).key"))
    }

    func path(_ file: String) -> String { dir.appendingPathComponent(file).path }

    private static func openssl(_ arguments: [String]) throws {
        let r = try Subprocess.run("openssl", arguments, timeout: 30)
        guard r.status == 0 else { throw HarnessError("openssl \(arguments.first ?? "") failed: \(r.combined)") }
    }
}

/// A redis-server of its own (TLS only, on a free loopback port, default user without a password)
/// serving a certificate a test chose; stopped by `stop()`.
final class ThrowawayTLSRedis: @unchecked Sendable {
    let port: Int
    let caFile: String
    private let process: Subprocess

    init(certificate: String, key: String, caFile: String, group: EventLoopGroup) async throws {
        let probe = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        port = probe.localAddress?.port ?? 0
        try await probe.close()
        self.caFile = caFile
        process = try Subprocess("redis-server", [
            "--bind", "127.0.0.1", "--port", "0", "--tls-port", String(port),
            "--tls-cert-file", certificate, "--tls-key-file", key, "--tls-ca-cert-file", caFile,
            "--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", NSTemporaryDirectory(),
        ])
        guard eventually(timeout: 20, { process.stdoutSoFar.contains("Ready to accept connections") }) else {
            process.signal(SIGKILL)
            throw HarnessError("redis-server did not start: \(process.stdoutSoFar) \(process.stderrSoFar)")
        }
    }

    /// redis-cli straight to this server over TLS (verifying it against `caFile`).
    func cli(_ arguments: [String]) throws -> SubprocessResult {
        try Subprocess.run("redis-cli", ["--tls", "--cacert", caFile, "-h", "127.0.0.1", "-p", String(port)] + arguments,
                           timeout: 10)
    }

    /// How many AUTH commands the server has seen since the last `CONFIG RESETSTAT`.
    func authCalls() throws -> Int {
        let info = try cli(["INFO", "commandstats"]).stdout
        guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("cmdstat_auth:") }),
              let calls = line.split(separator: ",").first?.split(separator: "=").last
        else { return 0 }
        return Int(calls) ?? -1
    }

    /// SIGKILL: it holds nothing to save, and a test runner may pass SIGTERM on as ignored.
    func stop() {
        process.signal(SIGKILL)
        _ = process.wait(timeout: 10)
    }
}

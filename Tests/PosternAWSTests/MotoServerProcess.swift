import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

@testable import PosternAWS

/// A moto_server of the test's own on a free loopback port, for tests that turn signature
/// checking on (`/moto-api/reset-auth` is global to a server; the shared one stays lenient).
// @unchecked: Process is not Sendable; one test owns the server and stops it.
final class MotoServerProcess: @unchecked Sendable {
    let port: Int
    private let process: Process

    var url: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    static func start(transport: any AWSTransport, timeout: TimeInterval = 60) async throws -> MotoServerProcess {
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let server = MotoServerProcess(port: port, process: process)
        let deadline = Date().addingTimeInterval(timeout)
        let probe = SigV4Request(method: "GET", scheme: "http", host: "127.0.0.1", port: port, path: "/moto-api/")
        while Date() < deadline {
            guard process.isRunning else { break }
            if let response = try? await transport.send(probe, timeout: .seconds(2)), response.isSuccess {
                return server
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        server.stop()
        throw NSError(
            domain: "MotoServerProcess", code: 1,
            userInfo: [NSLocalizedDescriptionKey: "moto_server on port \(port) did not answer within \(timeout) s"])
    }

    /// SIGKILL: the child inherits the test process's blocked signals, SIGTERM among them, so it
    /// would never see a terminate(); moto keeps nothing worth a clean shutdown.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Binds port 0 on 127.0.0.1 to learn a free port, then releases it.
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

import Foundation
import XCTest

@testable import PosternAWS

/// A temporary HOME with `.aws/` files, a loopback server playing IMDS, ECS and STS, and a
/// transport; chains built here read only this environment, never the process's, and never
/// reach a link-local address.
final class CredentialChainFixture: Sendable {
    let home: URL
    let server: LoopbackHTTPServer
    let transport: AWSHTTPTransport

    private init(home: URL, server: LoopbackHTTPServer, transport: AWSHTTPTransport) {
        self.home = home
        self.server = server
        self.transport = transport
    }

    static func with<T: Sendable>(
        _ fake: FakeAWSEndpoints = FakeAWSEndpoints(), _ body: (CredentialChainFixture) async throws -> T
    ) async throws -> T {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("postern-aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        let server = try await LoopbackHTTPServer.start { fake.handle($0) }
        let fixture = CredentialChainFixture(home: home, server: server, transport: AWSHTTPTransport())
        defer { try? FileManager.default.removeItem(at: home) }
        do {
            let result = try await body(fixture)
            try await fixture.close()
            return result
        } catch {
            try? await fixture.close()
            throw error
        }
    }

    private func close() async throws {
        try await transport.shutdown()
        try await server.stop()
    }

    /// Writes `text` at `relative` under HOME and returns the path.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let url = home.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// HOME, and IMDS and STS pointed at the fake; `extra` wins.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        [
            "HOME": home.path,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url,
            "AWS_ENDPOINT_URL_STS": server.url,
        ].merging(extra) { $1 }
    }

    func chain(
        _ extra: [String: String] = [:], profile: String? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) -> AWSCredentialChain {
        AWSCredentialChain(
            environment: environment(extra), files: LocalAWSFileReader(), transport: transport, profile: profile,
            fallbackRegion: nil, refreshMargin: AWSRefreshingCredentials.defaultRefreshMargin, now: now,
            containerHost: "127.0.0.1:\(server.port)")
    }

    func resolve(_ extra: [String: String] = [:], profile: String? = nil) async throws -> AWSResolvedCredentials {
        try await chain(extra, profile: profile).resolve()
    }

    /// The error resolving throws, or a failure when it succeeds.
    func resolveError(
        _ extra: [String: String] = [:], profile: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) async -> (any Error)? {
        do {
            let resolved = try await resolve(extra, profile: profile)
            XCTFail("expected an error, got \(resolved)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }
}

import Foundation
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The shared moto_server for CLI tests: its URL from the services' env file (found as
/// Tests/PosternServiceTests/ServiceEnvironment.swift finds it; missing FAILS the test), and
/// a way to seed it. moto checks no signature unless told to, so seeding sends AWS Query forms
/// with an Authorization header that only names the service (how moto routes a request).
struct CLIMoto {
    struct NotRunning: Error, CustomStringConvertible {
        var looked: [String]
        var description: String {
            "test services are not running: run `scripts/services start` (or `make test`) "
                + "(no POSTERN_TEST_MOTO_URL in: \(looked.joined(separator: ", ")))"
        }
    }

    let url: String

    static func load(filePath: String = #filePath) throws -> CLIMoto {
        let env = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let explicit = env["POSTERN_TEST_ENV"], !explicit.isEmpty { candidates.append(explicit) }
        if let dir = env["POSTERN_SERVICES_DIR"], !dir.isEmpty { candidates.append(dir + "/env") }
        var dir = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                candidates.append(dir.appendingPathComponent(".services/env").path)
                break
            }
            dir = dir.deletingLastPathComponent()
        }
        for path in candidates {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("POSTERN_TEST_MOTO_URL=") {
                return CLIMoto(url: String(line.dropFirst("POSTERN_TEST_MOTO_URL=".count)))
            }
        }
        throw NotRunning(looked: candidates)
    }

    /// The environment a CLI run needs to reach moto with its `testing` keys and nothing else.
    var environment: [String: String] {
        [
            "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "", "AWS_REGION": "us-east-1",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials", "AWS_CONFIG_FILE": "/nonexistent/config",
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
    }

    /// POSTs one Query-protocol action for `service` (its signing name) and returns the body.
    @discardableResult
    func query(_ service: String, _ parameters: [(String, String)]) throws -> String {
        var request = URLRequest(url: try XCTUnwrap(URL(string: url + "/")))
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue(
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/\(service)/aws4_request, SignedHeaders=host, Signature=0",
            forHTTPHeaderField: "Authorization")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~")
        request.httpBody = Data(parameters.map {
            ($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "="
                + ($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&").utf8)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Data?, URLResponse?, (any Error)?)
        URLSession.shared.dataTask(with: request) { data, response, error in
            result = (data, response, error)
            done.signal()
        }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success, "moto did not answer")
        if let error = result.2 { throw error }
        let body = String(decoding: result.0 ?? Data(), as: UTF8.self)
        let status = (result.1 as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw NotRunning(looked: ["moto answered \(status) to \(parameters.first?.1 ?? "?"): \(body.prefix(200))"])
        }
        return body
    }
}

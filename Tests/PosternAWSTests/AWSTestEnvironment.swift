// moto_server's address from the test services' env file (`scripts/services start` writes it),
// found the way Tests/PosternServiceTests/ServiceEnvironment.swift finds it: $POSTERN_TEST_ENV,
// $POSTERN_SERVICES_DIR/env, then <repo>/.services/env. A missing file FAILS the test (thrown
// from the test body), it never skips.

import Foundation

struct AWSTestEnvironment: Sendable {
    struct NotRunning: Error, CustomStringConvertible {
        var looked: [String]
        var description: String {
            "test services are not running: run `scripts/services start` (or `make test`) "
                + "(no env file with POSTERN_TEST_MOTO_URL at: \(looked.joined(separator: ", ")))"
        }
    }

    let motoURL: String
    let region: String

    static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment, filePath: String = #filePath
    ) throws -> AWSTestEnvironment {
        var candidates: [String] = []
        if let explicit = environment["POSTERN_TEST_ENV"], !explicit.isEmpty { candidates.append(explicit) }
        if let dir = environment["POSTERN_SERVICES_DIR"], !dir.isEmpty { candidates.append(dir + "/env") }
        var dir = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while dir.path != "/" && !dir.path.isEmpty {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                candidates.append(dir.appendingPathComponent(".services/env").path)
                break
            }
            dir = dir.deletingLastPathComponent()
        }
        for candidate in candidates {
            guard let text = try? String(contentsOfFile: candidate, encoding: .utf8) else { continue }
            var values: [String: String] = [:]
            for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { values[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1] }
            }
            if let url = values["POSTERN_TEST_MOTO_URL"], !url.isEmpty {
                return AWSTestEnvironment(motoURL: url, region: values["POSTERN_TEST_AWS_REGION"] ?? "us-east-1")
            }
        }
        throw NotRunning(looked: candidates)
    }
}

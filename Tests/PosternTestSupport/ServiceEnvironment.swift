// The local test services' environment file, as written by `scripts/services start`.
//
// Integration tests that need PostgreSQL, Redis or moto depend on PosternTestSupport
// (one copy for every test target) and call `let env = try ServiceEnvironment.load()` at the top
// of each test body. When the services are not running, `load()` throws, and XCTest
// reports the test as FAILED with the message below: these tests never skip.
// (Not in setUpWithError(): swift-corelibs-xctest counts an error thrown there as a skip
// as well as a failure.)
//
// Where the file is looked for, first match wins:
//   1. $POSTERN_TEST_ENV                 (a path to the env file)
//   2. $POSTERN_SERVICES_DIR/env         (a custom state dir)
//   3. <repo>/.services/env              (found by walking up from this source file
//                                         to the folder holding Package.swift)
//
// The file holds KEY=VALUE lines (no quotes, no spaces in values); `#` starts a comment.
// Passwords are not in it: keys ending in _PASSWORD_FILE name 0600 files; read them with
// `secret(_:)`.

import Foundation

public struct ServiceEnvironment: Sendable {
    public static let notRunningMessage =
        "test services are not running: run `scripts/services start` (or `make test`)"

    public enum Failure: Error, CustomStringConvertible {
        case notRunning(looked: [String])
        case missingKey(String, file: String)
        case badValue(key: String, value: String, file: String)
        case unreadable(path: String, key: String)

        public var description: String {
            switch self {
            case .notRunning(let looked):
                return "\(ServiceEnvironment.notRunningMessage) (no env file at: \(looked.joined(separator: ", ")))"
            case .missingKey(let key, let file):
                return "\(key) is missing from \(file); restart with `scripts/services start`"
            case .badValue(let key, let value, let file):
                return "\(key)=\(value) in \(file) is not what was expected"
            case .unreadable(let path, let key):
                return "cannot read \(path) (from \(key)): \(ServiceEnvironment.notRunningMessage)"
            }
        }
    }

    /// Path of the env file these values came from.
    public let path: String
    /// Every KEY=VALUE pair in the file.
    public let values: [String: String]

    /// Finds and parses the env file; throws `Failure.notRunning` when there is none.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        filePath: String = #filePath
    ) throws -> ServiceEnvironment {
        let candidates = candidatePaths(environment: environment, filePath: filePath)
        for candidate in candidates {
            if let data = FileManager.default.contents(atPath: candidate),
                let text = String(data: data, encoding: .utf8)
            {
                return ServiceEnvironment(path: candidate, values: parse(text))
            }
        }
        throw Failure.notRunning(looked: candidates)
    }

    /// Where `load` looks, in order.
    public static func candidatePaths(environment: [String: String], filePath: String) -> [String] {
        var paths: [String] = []
        if let explicit = environment["POSTERN_TEST_ENV"], !explicit.isEmpty {
            paths.append(explicit)
        }
        if let dir = environment["POSTERN_SERVICES_DIR"], !dir.isEmpty {
            paths.append(URL(fileURLWithPath: dir).appendingPathComponent("env").path)
        }
        if let root = repositoryRoot(from: filePath) {
            paths.append(root.appendingPathComponent(".services/env").path)
        }
        return paths
    }

    /// The nearest folder above `filePath` that holds Package.swift.
    public static func repositoryRoot(from filePath: String) -> URL? {
        var dir = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while dir.path != "/" && !dir.path.isEmpty {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return dir
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Parses KEY=VALUE lines. Blank lines and `#` comments are skipped, an `export `
    /// prefix is allowed, surrounding whitespace and one pair of matching quotes are dropped.
    public static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)) }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            if !key.isEmpty { result[key] = value }
        }
        return result
    }

    // MARK: - Typed access

    public subscript(key: String) -> String? { values[key] }

    /// The value of `key`; throws when it is missing or empty.
    public func string(_ key: String) throws -> String {
        guard let value = values[key], !value.isEmpty else { throw Failure.missingKey(key, file: path) }
        return value
    }

    public func int(_ key: String) throws -> Int {
        let value = try string(key)
        guard let number = Int(value) else { throw Failure.badValue(key: key, value: value, file: path) }
        return number
    }

    /// The content of the file named by `key` (e.g. POSTERN_TEST_PG_ALICE_PASSWORD_FILE),
    /// without its trailing newline.
    public func secret(_ key: String) throws -> String {
        let file = try string(key)
        guard let data = FileManager.default.contents(atPath: file),
            let text = String(data: data, encoding: .utf8)
        else { throw Failure.unreadable(path: file, key: key) }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - Conveniences for the services scripts/services starts

    public struct PostgresLogin: Sendable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String
        public var database: String
        public var caFile: String

        /// A libpq connection string with `sslmode=verify-full`.
        public func conninfo(database db: String? = nil, host h: String? = nil, caFile ca: String? = nil, extra: String = "")
            -> String
        {
            var s = "host=\(h ?? host) port=\(port) dbname=\(db ?? database) user=\(user) "
            s += "sslmode=verify-full sslrootcert=\(ca ?? caFile) connect_timeout=10"
            if !extra.isEmpty { s += " " + extra }
            return s
        }
    }

    /// `role` is the tag used in the env file: ADMIN, ALICE, BOB, MD5USER or IAM.
    public func postgres(_ role: String) throws -> PostgresLogin {
        PostgresLogin(
            host: try string("POSTERN_TEST_PG_HOST"),
            port: try int("POSTERN_TEST_PG_PORT"),
            user: try string("POSTERN_TEST_PG_\(role)_USER"),
            password: try secret("POSTERN_TEST_PG_\(role)_PASSWORD_FILE"),
            database: try string("POSTERN_TEST_PG_DATABASE"),
            caFile: try string("POSTERN_TEST_PG_CA")
        )
    }

    public struct RedisLogin: Sendable {
        public var host: String
        public var port: Int
        public var tlsPort: Int
        public var user: String
        public var password: String
        public var caFile: String
    }

    /// `role` is the tag used in the env file: ADMIN, ALICE or APP.
    public func redis(_ role: String) throws -> RedisLogin {
        RedisLogin(
            host: try string("POSTERN_TEST_REDIS_HOST"),
            port: try int("POSTERN_TEST_REDIS_PORT"),
            tlsPort: try int("POSTERN_TEST_REDIS_TLS_PORT"),
            user: try string("POSTERN_TEST_REDIS_\(role)_USER"),
            password: try secret("POSTERN_TEST_REDIS_\(role)_PASSWORD_FILE"),
            caFile: try string("POSTERN_TEST_REDIS_CA")
        )
    }

    public func motoURL() throws -> URL {
        let text = try string("POSTERN_TEST_MOTO_URL")
        guard let url = URL(string: text) else {
            throw Failure.badValue(key: "POSTERN_TEST_MOTO_URL", value: text, file: path)
        }
        return url
    }
}

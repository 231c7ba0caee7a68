import Foundation
import XCTest

/// Runs the built `postern` binary as a user would, capturing stdout, stderr and the exit status.
struct CLIRunner {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `.build/<config>/postern`, next to the test bundle.
    static var binary: URL {
        var dir = Bundle.main.bundleURL
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            dir = bundle.bundleURL.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("postern")
    }

    static func run(_ arguments: [String], executable: URL = binary, environment: [String: String] = [:])
        throws -> Output {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "POSTERN_CONFIG")
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes to the end before waiting, so a large output never blocks the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A temporary directory with a config and roles, removed at the end of the test.
final class TempConfig {
    let dir: URL
    var path: String { dir.appendingPathComponent("postern.yaml").path }

    init(_ yaml: String, files: [String: String] = [:]) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("postern-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try write("postern.yaml", yaml)
        for (name, text) in files { try write(name, text) }
    }

    func write(_ name: String, _ text: String, mode: Int = 0o644) throws {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }

    func chmod(_ name: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode],
                                              ofItemAtPath: dir.appendingPathComponent(name).path)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }
}

import Foundation
import XCTest

/// Runs the built `postern` binary (next to the test bundle) as a user would.
enum PosternBinary {
    static var url: URL {
        var dir = Bundle.main.bundleURL
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            dir = bundle.bundleURL.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("postern")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func start(_ arguments: [String], stdout: Pipe, stderr: FileHandle? = nil) throws -> Process {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "POSTERN_CONFIG")
        p.environment = env
        p.standardOutput = stdout
        p.standardError = stderr ?? FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Runs to the end; stderr goes through a file so that neither pipe can fill and block the child.
    static func run(_ arguments: [String]) throws -> Output {
        let dir = try TempDir()
        let errPath = dir.file("stderr")
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let out = Pipe()
        let p = try start(arguments, stdout: out, stderr: err)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try err.close()
        let errData = try Data(contentsOf: URL(fileURLWithPath: errPath))
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Reads a child's stdout line by line as it arrives.
final class LineReader {
    let handle: FileHandle
    private var buffer = Data()

    init(_ pipe: Pipe) { handle = pipe.fileHandleForReading }

    /// Complete lines that arrived since the last call; empty at EOF. Blocks until some data comes.
    func nextLines() -> [String]? {
        let chunk = handle.availableData
        if chunk.isEmpty { return nil }
        buffer += chunk
        guard let lastNewline = buffer.lastIndex(of: 10) else { return [] }
        let complete = buffer[buffer.startIndex...lastNewline]
        buffer = Data(buffer[buffer.index(after: lastNewline)...])
        return String(decoding: complete, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

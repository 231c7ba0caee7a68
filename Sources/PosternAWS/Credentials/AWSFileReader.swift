import Foundation

/// Reads the files the credential chain looks at (shared config and credentials files, web
/// identity and container token files). A protocol so tests use temporary homes and fakes.
public protocol AWSFileReader: Sendable {
    /// The file's text, or nil when it does not exist. Throws when it exists but cannot be read.
    func read(_ path: String) throws -> String?
}

/// The real file system.
public struct LocalAWSFileReader: AWSFileReader {
    public init() {}

    public func read(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AWSCredentialError.unreadableFile(path: path, reason: "\(error.localizedDescription)")
        }
    }
}

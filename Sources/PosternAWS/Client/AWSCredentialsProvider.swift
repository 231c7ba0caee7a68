/// Something that yields AWS credentials: a fixed set, the SDK chain, an assumed role.
/// Implementations cache and refresh temporary credentials themselves, so callers simply ask
/// before every signature.
public protocol AWSCredentialsProvider: Sendable {
    func credentials() async throws -> AWSCredentials
}

/// Fixed credentials, for tests and for keys handed over explicitly.
public struct StaticCredentialsProvider: AWSCredentialsProvider, CustomStringConvertible {
    public let value: AWSCredentials

    public init(_ value: AWSCredentials) {
        self.value = value
    }

    public func credentials() async throws -> AWSCredentials { value }

    public var description: String { "StaticCredentialsProvider(\(value))" }
}

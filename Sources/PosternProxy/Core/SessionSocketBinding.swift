import NIOCore
import NIOPosix
import PosternCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ServerBootstrap {
    /// Binds the session socket `<directory>/.s.PGSQL.<port>` (`SessionSocket`), the directory
    /// created 0700 or checked to be ours and private (`PrivateDirectory.prepare`), the socket
    /// 0600: the proxy's listeners and the bastion relay alike. Callers still check each peer's uid.
    public func bindSessionSocket(directory: String, port: Int) async throws -> (channel: Channel, path: String) {
        try PrivateDirectory.prepare(directory)
        let path = SessionSocket.path(directory: directory, port: port)
        let channel = try await bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        chmod(path, 0o600)
        return (channel, path)
    }
}

import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The uid of the process at the other end of a Unix socket (SO_PEERCRED).
public enum PeerCredentials {
    /// Linux's `struct ucred` (pid_t, uid_t, gid_t), which Glibc's module does not export.
    public struct UCred: Sendable {
        public var pid: Int32 = 0
        public var uid: UInt32 = 0
        public var gid: UInt32 = 0
    }

    public static func uid(of channel: Channel) -> EventLoopFuture<UInt32?> {
        #if os(Linux)
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        let future: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return future.map { Optional($0.uid) }.recover { _ in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }
}

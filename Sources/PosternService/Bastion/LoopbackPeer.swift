import Foundation
import NIOCore

/// The owner of the other end of a loopback TCP connection, as identd finds it: the kernel lists
/// every socket with its uid in /proc/net/tcp and tcp6, and on loopback the client's socket is on
/// this host. Used where a Unix socket's SO_PEERCRED is not available.
enum LoopbackPeer {
    /// The uid owning the client socket of an accepted connection: the one established row whose
    /// local address is the connection's remote address and whose remote address is its local
    /// one (address and port, both sides). No row, or more than one, is no answer.
    static func uid(local: SocketAddress?, remote: SocketAddress?) -> UInt32? {
        guard let local, let remote, case .v4(let server) = local, case .v4(let client) = remote else { return nil }
        let want = (hex(client.address.sin_addr.s_addr, port: client.address.sin_port),
                    hex(server.address.sin_addr.s_addr, port: server.address.sin_port))
        // The kernel writes these tables a page at a time, so a busy host can shift a row between
        // two reads (missing or repeating it): read again until one socket (by inode) answers.
        for _ in 0..<5 {
            var sockets: [String: UInt32] = [:]
            if let text = readAll("/proc/net/tcp") {
                for row in rows(in: text, local: want.0, remote: want.1) { sockets[row.inode] = row.uid }
            }
            // A client's IPv6 socket reaches an IPv4 listener through IPv4-mapped addresses.
            if let text = readAll("/proc/net/tcp6") {
                for row in rows(in: text, local: mapped(want.0), remote: mapped(want.1)) { sockets[row.inode] = row.uid }
            }
            if sockets.count == 1 { return sockets.values.first }
            if sockets.count > 1 { return nil }
        }
        return nil
    }

    /// The whole of a /proc file, read to its end (its size is 0 to stat, so readers that trust
    /// the size get only a first page: on a busy host, most of the table).
    static func readAll(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Owners (and inodes) of the established (`01`) rows with exactly these addresses.
    static func rows(in table: String, local: String, remote: String) -> [(uid: UInt32, inode: String)] {
        table.split(separator: "\n").dropFirst().compactMap { line -> (uid: UInt32, inode: String)? in
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            guard columns.count > 9, columns[1] == local, columns[2] == remote, columns[3] == "01",
                  let uid = UInt32(columns[7]) else { return nil }
            return (uid, String(columns[9]))
        }
    }

    /// The table's form: the address as the kernel's 32-bit word printed in hex (network order
    /// bytes read little-endian), then the port in hex.
    static func hex(_ address: UInt32, port: UInt16) -> String {
        hex8(address) + ":" + String(format: "%04X", UInt16(bigEndian: port))
    }

    private static func hex8(_ word: UInt32) -> String { String(format: "%08X", word) }

    /// `0100007F:1F90` as it appears in tcp6 for an IPv4-mapped address.
    static func mapped(_ v4: String) -> String {
        "0000000000000000FFFF0000" + v4
    }
}

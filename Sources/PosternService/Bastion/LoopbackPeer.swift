import Foundation

/// The owner of the other end of a loopback TCP connection, as identd finds it: the kernel lists
/// every socket with its uid in /proc/net/tcp and tcp6, and on loopback the client's socket is on
/// this host. Used where a Unix socket's SO_PEERCRED is not available.
enum LoopbackPeer {
    /// `localPort`/`remotePort` are the accepting side's; the client's socket has them swapped.
    static func uid(localPort: Int, remotePort: Int) -> UInt32? {
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            if let uid = find(in: text, clientPort: remotePort, serverPort: localPort) { return uid }
        }
        return nil
    }

    /// Columns: sl, local_address, rem_address, st, tx:rx, tr:when, retrnsmt, uid, …; addresses
    /// are `HEXADDR:HEXPORT`.
    static func find(in table: String, clientPort: Int, serverPort: Int) -> UInt32? {
        for line in table.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            guard columns.count > 7, port(columns[1]) == clientPort, port(columns[2]) == serverPort,
                  isLoopback(columns[1])
            else { continue }
            return UInt32(columns[7])
        }
        return nil
    }

    private static func port(_ address: Substring) -> Int? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return Int(address[address.index(after: colon)...], radix: 16)
    }

    /// 127.0.0.0/8 (little-endian hex in the table), ::1, or ::ffff:127.x.
    private static func isLoopback(_ address: Substring) -> Bool {
        guard let colon = address.lastIndex(of: ":") else { return false }
        let hex = address[..<colon]
        if hex.count == 8 { return hex.hasSuffix("7F") }
        if hex == "00000000000000000000000001000000" { return true }
        return hex.hasPrefix("0000000000000000FFFF0000") && hex.hasSuffix("7F")
    }
}

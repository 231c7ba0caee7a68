/// The name of a session's local Unix socket, whatever its engine: libpq's `.s.PGSQL.<port>`, so
/// a PostgreSQL client finds it from `host=<directory> port=<port>` and any other client
/// (`redis-cli -s`) opens the path. One name for every protocol lets the console and the bastion
/// relay locate a session by directory and port without knowing its engine.
public enum SessionSocket {
    public static let prefix = ".s.PGSQL."
    /// libpq's default port: `psql "host=<directory>"` finds the socket without a port.
    public static let defaultPort = 5432

    public static func name(port: Int) -> String { prefix + String(port) }

    public static func path(directory: String, port: Int) -> String { directory + "/" + name(port: port) }

    /// The port a socket file name stands for; nil unless the name is `.s.PGSQL.<port>`.
    public static func port(ofName name: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        return Int(name.dropFirst(prefix.count))
    }
}

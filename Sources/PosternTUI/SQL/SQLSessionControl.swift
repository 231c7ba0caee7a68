/// What the SQL pane asks of its session; the work happens on the session's own thread and
/// comes back as `SQLUpdate`s. A protocol so state tests can record the calls.
public protocol SQLSessionControl: Sendable {
    func run(_ statement: SQLStatement)
    /// Sends a CancelRequest for the running statement (PQcancel, off the UI thread).
    func cancel()
    /// Ends the session: the connection, then the proxy route.
    func close()
    /// Writes rows to a file (CSV or JSON by extension) and reports with `.message`.
    func export(columns: [String], rows: [[String?]], to path: String)
    /// Puts text on the terminal's clipboard (OSC 52) and reports with `.message`.
    func copy(_ text: String)
}

import Dispatch
import Foundation
import PosternCore

/// One SQL session: a dedicated thread owns the libpq connection (opened through the console's
/// proxy), runs statements in single-row mode and posts immutable snapshots to the pane. The
/// curses actor never waits on it.
final class SQLSession: SQLSessionControl, @unchecked Sendable {
    private enum Job {
        case run(SQLStatement)
        case export([String], [[String?]], String)
    }

    /// Rows are posted in batches: at most this often, or when a batch is this big.
    static let postInterval = 0.05
    static let batchRows = 2000

    let request: ConnectRequest
    let dialog: PaneID
    let pane: PaneID
    let services: ConsoleServices
    let cap: Int
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var closed = false
    private var running = false
    private var canceller: PGCanceller?
    /// Progress lines of connecting, shown again in the session pane until the first statement.
    private var log: [String] = []

    init(request: ConnectRequest, dialog: PaneID, services: ConsoleServices, cap: Int = SQLResultGrid.defaultCap) {
        self.request = request
        self.dialog = dialog
        self.pane = PaneID("sql-\(services.next())")
        self.services = services
        self.cap = cap
    }

    func start() {
        let thread = Thread { [self] in main() }
        thread.name = "postern-sql"
        thread.start()
    }

    // MARK: SQLSessionControl (any thread)

    func run(_ statement: SQLStatement) { enqueue(.run(statement)) }

    func export(columns: [String], rows: [[String?]], to path: String) { enqueue(.export(columns, rows, path)) }

    func cancel() {
        let target = condition.withLock { running ? canceller : nil }
        guard let target else { return }
        DispatchQueue.global().async { [self] in
            if let why = target.cancel() { post(.message("cancel failed: \(why)", isError: true)) }
        }
    }

    func close() {
        cancel()
        condition.withLock {
            closed = true
            condition.signal()
        }
    }

    func copy(_ text: String) {
        DispatchQueue.global().async { [self] in
            if let why = Clipboard.copy(text) {
                post(.message("copy failed: \(why)", isError: true))
            } else {
                post(.message("copied \(text.count) characters to the clipboard (OSC 52)", isError: false))
            }
        }
    }

    // MARK: The session's thread

    private func enqueue(_ job: Job) {
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    private func post(_ update: SQLUpdate) { services.post(.paneUpdate(pane, update)) }

    private func progress(_ line: String) {
        condition.withLock { log.append(line) }
        services.post(.paneUpdate(dialog, ConnectProgress(.note(line))))
    }

    private func main() {
        let opener = services.opener
        let request = self.request
        let opened = Blocking.run { () async throws(ConnectError) -> SessionEndpoint in
            try await opener.open(request) { [self] line in progress(line) }
        }
        let endpoint: SessionEndpoint
        switch opened {
        case .success(let e): endpoint = e
        case .failure(let e):
            services.post(.paneUpdate(dialog, ConnectProgress(.failed(e.description))))
            return
        }
        defer { _ = Blocking.run { () async throws(ConnectError) in await opener.close(endpoint) } }
        progress("connecting: PostgreSQL client over the proxy's socket; the proxy signs in upstream over TLS")
        let connection: PGConnection
        do {
            connection = try PGConnection(endpoint: endpoint, applicationName: "postern-console")
        } catch {
            services.post(.paneUpdate(dialog, ConnectProgress(.failed("sign-in failed: " + error.description))))
            return
        }
        condition.withLock { canceller = connection.canceller() }
        connection.onNotice { [self] text in post(.notice(text)) }
        progress("connected: PostgreSQL \(connection.serverVersion) as \(endpoint.dbUser), database \(endpoint.dbName)")
        let history = services.historyDirectory.map { SQLHistoryFile(directory: $0, database: request.database.name) }
        let sqlPane = SQLPane(id: pane, request: request, serverVersion: connection.serverVersion,
                              history: SQLHistory(history?.load() ?? []), session: self, cap: cap,
                              connectLog: condition.withLock { log })
        services.post(.closePane(dialog))
        services.post(.openPane(PaneSlot(id: pane, pane: sqlPane), bindings: SQLPane.bindings))

        while let job = nextJob() {
            switch job {
            case .run(let statement):
                history?.append(statement.typed)
                execute(statement, on: connection)
                if connection.isBroken {
                    return
                }
            case .export(let columns, let rows, let path):
                export(columns, rows, to: path)
            }
        }
    }

    private func nextJob() -> Job? {
        condition.withLock {
            while jobs.isEmpty && !closed { condition.wait() }
            if closed { return nil }
            running = true
            return jobs.removeFirst()
        }
    }

    private func execute(_ statement: SQLStatement, on connection: PGConnection) {
        defer { condition.withLock { running = false } }
        let started = DispatchTime.now()
        post(.started(statement))
        if let why = connection.send(statement.sql, params: statement.params) {
            post(.finished(SQLOutcome(tags: [], error: nil, duration: 0, connectionLost: why)))
            return
        }
        var batch: [[String?]] = []
        var total = 0
        var lastPost = DispatchTime.now()
        var tags: [String] = []
        var failure: SQLError?
        func flush(force: Bool) {
            let due = Double(DispatchTime.now().uptimeNanoseconds - lastPost.uptimeNanoseconds) / 1e9 >= Self.postInterval
            guard force || due || batch.count >= Self.batchRows else { return }
            guard !batch.isEmpty || total > 0 else { return }
            post(.rows(batch, total: total))
            batch.removeAll(keepingCapacity: true)
            lastPost = DispatchTime.now()
        }
        while let events = connection.next(keep: total < cap) {
            for event in events {
                switch event {
                case .columns(let c):
                    flush(force: true)
                    total = 0
                    post(.columns(c))
                case .row(let r):
                    // Past the cap only the count grows: memory stays bounded on any result.
                    if total < cap, let r { batch.append(r) }
                    total += 1
                    if total == 1 { flush(force: true) }  // the first row shows at once
                case .done(let tag): tags.append(tag)
                case .error(let e): failure = e
                case .notice(let n): post(.notice(n))
                }
            }
            flush(force: false)
        }
        flush(force: true)  // the last rows, and the final count past the cap
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let lost = connection.isBroken ? "the connection was closed (by the proxy or the server)" : nil
        post(.finished(SQLOutcome(tags: tags, error: failure, duration: seconds, connectionLost: lost)))
    }

    private func export(_ columns: [String], _ rows: [[String?]], to path: String) {
        let format = ResultExport.format(for: path)
        do {
            let written = try ResultExport.write(ResultExport.render(columns: columns, rows: rows, as: format), to: path,
                                                 home: ProcessInfo.processInfo.environment["HOME"])
            post(.message("exported \(rows.count) rows as \(format.rawValue.uppercased()) to \(written)", isError: false))
        } catch {
            post(.message("export to \(path) failed: \(error is ExportError ? "\(error)" : error.localizedDescription)", isError: true))
        }
    }
}

/// Starts SQL sessions for PostgreSQL databases.
public struct SQLSessionLauncher: SessionLauncher {
    public let cap: Int

    public init(cap: Int = SQLResultGrid.defaultCap) { self.cap = cap }

    public func launch(_ request: ConnectRequest, dialog: PaneID, services: ConsoleServices) {
        SQLSession(request: request, dialog: dialog, services: services, cap: cap).start()
    }
}

/// Waits on a thread of our own for async work (the opener) to finish.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws(ConnectError) -> T) -> Result<T, ConnectError> {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do throws(ConnectError) {
                box.set(.success(try await body()))
            } catch {
                box.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        return box.get() ?? .failure(ConnectError("interrupted"))
    }
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, ConnectError>?
    func set(_ v: Result<T, ConnectError>) { lock.withLock { value = v } }
    func get() -> Result<T, ConnectError>? { lock.withLock { value } }
}

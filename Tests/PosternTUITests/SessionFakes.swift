import Foundation
import PosternCore
@testable import PosternTUI

/// Records what the console asks of the outside world, so state tests see every side effect.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.withLock { items.append(s) } }
    var all: [String] { lock.withLock { items } }
}

struct FakeOpener: SessionOpener {
    let recorder: Recorder
    func open(_ request: ConnectRequest, progress: @escaping @Sendable (String) -> Void) async throws(ConnectError) -> SessionEndpoint {
        recorder.add("open \(request.dbUser)@\(request.dbName)")
        return SessionEndpoint(socketDirectory: "/tmp/x", port: 1, dbUser: request.dbUser, dbName: request.dbName)
    }
    func close(_ endpoint: SessionEndpoint) async { recorder.add("close") }
}

struct RecordingLauncher: SessionLauncher {
    let recorder: Recorder
    func launch(_ request: ConnectRequest, dialog: PaneID, services: ConsoleServices) {
        recorder.add("launch \(request.database.name) \(request.dbUser)@\(request.dbName) dialog=\(dialog)")
    }
}

final class FakeSQLSession: SQLSessionControl, @unchecked Sendable {
    let recorder = Recorder()
    func run(_ statement: SQLStatement) { recorder.add("run \(statement.sql) \(statement.params)") }
    func cancel() { recorder.add("cancel") }
    func close() { recorder.add("close") }
    func export(columns: [String], rows: [[String?]], to path: String) { recorder.add("export \(rows.count) \(path)") }
    func copy(_ text: String) { recorder.add("copy \(text)") }
}

enum SessionFixtures {
    static func services(_ recorder: Recorder) -> ConsoleServices {
        ConsoleServices(opener: FakeOpener(recorder: recorder), post: { _ in }, historyDirectory: nil,
                        launchers: [.postgres: RecordingLauncher(recorder: recorder), .redis: RecordingLauncher(recorder: recorder)])
    }

    /// bob: any db user but postgres (a guardrail denies it), any database name.
    static func wildcardChecker() -> AccessChecker {
        let user = PosternUser(name: "bob", roles: ["dba", "guardrails"])
        let dba = Role(name: "dba", allow: RoleConditions(dbLabels: .everything, dbNames: ["*"], dbUsers: ["*", "app_rw"]))
        let guardrails = Role(name: "guardrails", deny: RoleConditions(dbUsers: ["postgres"]))
        do {
            return try AccessChecker(user: user, roles: [dba, guardrails])
        } catch {
            fatalError("fixture roles compile: \(error)")
        }
    }

    static func pane(_ session: FakeSQLSession, history: [String] = []) -> SQLPane {
        let db = Fixtures.databases[0]
        return SQLPane(id: PaneID("sql-1"), request: ConnectRequest(database: db, dbUser: "reader", dbName: "app"),
                       serverVersion: "15.4", history: SQLHistory(history), session: session, cap: 5)
    }
}

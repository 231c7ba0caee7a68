@testable import PosternTUI

/// Audit records as the CLI builds them from the store, for the audit pane's tests.
enum AuditFixtures {
    static let sessionA = "1a2b3c4d-0000-4000-8000-00000000000a"
    static let sessionB = "9f8e7d6c-0000-4000-8000-00000000000b"

    static func record(_ i: Int, type: String = "db.session.query", session: String = sessionA,
                       summary: String? = nil, failed: Bool = false, database: String = "orders-prod") -> AuditRecord {
        let time = "2026-11-28T04:\(two(i / 60 % 60)):\(two(i % 60)).123Z"
        let text = summary ?? "select \(i);"
        return AuditRecord(time: time, type: type, sessionID: session, user: "alice", database: database, summary: text,
                           failed: failed,
                           json: #"{"code":"TDB02I","db_service":"\#(database)","ei":\#(i),"event":"\#(type)","# +
                               #""query":"\#(text)","sid":"\#(session)","time":"\#(time)","user":"alice"}"#)
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// A short session on orders-prod, another on sessions-cache, one refused statement, one hostile summary.
    static var mixed: [AuditRecord] {
        [
            record(1, type: "db.session.start", summary: "session started as reader@app from 127.0.0.1:50000"),
            record(2),
            record(3, type: "db.session.result", summary: "SELECT 1 (0.42 ms)"),
            record(4, type: "db.session.start", session: sessionB, summary: "session started as reader@sessions-cache",
                   database: "sessions-cache"),
            record(5, session: sessionB, summary: "PING", database: "sessions-cache"),
            record(6, type: "db.session.result", summary: "error 42P01 relation \"nope\" does not exist (0.31 ms)", failed: true),
            record(7, summary: "select 'evil\u{1B}[2J';"),
        ]
    }

    /// A state with the audit pane attached and fed `records`, focused with `a`.
    static func state(width: Int = 80, height: Int = 24, _ records: [AuditRecord] = mixed, capacity: Int = 5000) -> ConsoleState {
        var s = Fixtures.state(width: width, height: height)
        s.attachAudit(AuditPane(capacity: capacity))
        s = ConsoleReducer.reduce(s, .paneUpdate(AuditPane.id, AuditBatch(records: records)))
        return Fixtures.press(s, [.char("a")])
    }

    static func pane(_ s: ConsoleState) -> AuditPane? {
        s.panes.first { $0.id == AuditPane.id }?.pane as? AuditPane
    }
}

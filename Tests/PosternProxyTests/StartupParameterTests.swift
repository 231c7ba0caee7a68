import Foundation
import PosternTestSupport
import PosternCore
import XCTest
@testable import PosternProxy

/// A client's StartupMessage parameters: only the allow-list goes upstream, the rest is refused
/// with 0A000 before anything is opened, and what went upstream is in db.session.start.
final class StartupParameterTests: XCTestCase {
    func testParametersOutsideTheAllowListAreRefusedWith0A000AndAudited() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let refused: [(parameter: (String, String), names: String)] = [
            (("options", "-c role=pg_read_all_data"), "\"options\""),
            (("default_transaction_read_only", "off"), "\"default_transaction_read_only\""),
            (("session_authorization", "postgres"), "\"session_authorization\""),
            (("client_encoding", "LATIN1"), "client_encoding \"LATIN1\""),
            (("replication", "database"), "replication"),
        ]
        for (parameter, names) in refused {
            let client = try RawPGClient(port: t.port)
            let outcome = try client.startup(user: h.admin.user, database: h.admin.database, password: t.password,
                                             parameters: [("application_name", "raw-test"), parameter])
            guard case .error(let message) = outcome else { XCTFail("\(parameter) was let through"); continue }
            XCTAssertEqual(message.fields["C"], "0A000", "\(parameter)")
            XCTAssertTrue(message.fields["M"]?.contains(names) ?? false, "\(parameter): \(message.fields)")
            XCTAssertTrue(client.isClosed())
        }
        XCTAssertTrue(h.waitForFinishedSessions(refused.count))
        await h.shutdown()
        let errors = h.sink.all.compactMap { _, event -> String? in
            if case .start(let error?) = event.kind { return error } else { return nil }
        }
        XCTAssertEqual(errors.count, refused.count, "\(h.sink.all.map(\.1.kind))")
        XCTAssertTrue(errors[0].contains("startup parameter \"options\" is not forwarded by Postern"), errors[0])
        XCTAssertTrue(h.sink.all.allSatisfy { $0.0.startupParameters.isEmpty }, "nothing went upstream")
    }

    func testForwardedParametersReachTheServerAndAreRecorded() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        // libpq sends PGDATESTYLE and PGTZ as datestyle and timezone, and client_encoding UTF8 here.
        let r = try Subprocess.run("psql", [t.conninfo(), "-X", "-At", "-c", "show DateStyle", "-c", "show TimeZone",
                                           "-c", "show client_encoding", "-c", "show application_name"],
                                   environment: t.environment.merging(["PGDATESTYLE": "SQL, DMY", "PGTZ": "Asia/Tokyo",
                                                                       "PGCLIENTENCODING": "utf-8"]) { $1 },
                                   timeout: 60)
        XCTAssertEqual(r.stdout, "SQL, DMY\nAsia/Tokyo\nUTF8\npsql\n", r.combined)
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
        let (info, start) = try XCTUnwrap(h.sink.all.first)
        XCTAssertEqual(start.kind, .start(error: nil))
        let expected = ["application_name": "psql", "client_encoding": "UTF8", "datestyle": "SQL, DMY",
                        "timezone": "Asia/Tokyo"]
        XCTAssertEqual(info.startupParameters, expected)
        let json = try AuditSessionSink.auditEvent(start, of: info).jsonString()
        XCTAssertTrue(json.contains(#""startup_parameters":{"application_name":"psql","client_encoding":"UTF8","datestyle":"SQL, DMY","timezone":"Asia/Tokyo"}"#),
                      json)
    }

    /// libpq's `client_encoding=auto` in the C locale asks for SQL_ASCII: accepted, and the server
    /// is asked for UTF8 so it reads statements as the audit does.
    func testPsqlInTheCLocaleConnectsAndTheServerReadsUTF8() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let r = try Subprocess.run("psql", [t.conninfo(), "-X", "-At", "-c", "show client_encoding"],
                                   environment: t.environment.merging(["LC_ALL": "C", "LANG": "C"]) { $1 }, timeout: 60)
        XCTAssertEqual(r.stdout, "UTF8\n", r.combined)
        let latin1 = try Subprocess.run("psql", [t.conninfo(), "-X", "-At", "-c", "select 1"],
                                        environment: t.environment.merging(["PGCLIENTENCODING": "LATIN1"]) { $1 }, timeout: 60)
        XCTAssertNotEqual(latin1.status, 0)
        XCTAssertTrue(latin1.stderr.contains("client_encoding \"LATIN1\" is not supported through Postern"), latin1.combined)
        XCTAssertTrue(h.waitForFinishedSessions(2))
        await h.shutdown()
        let started = h.sink.all.filter { $0.1.kind == .start(error: nil) }
        XCTAssertEqual(started.first?.0.startupParameters["client_encoding"], "UTF8")
    }

    /// A client that names none gets UTF8 too, and application_name `postern`.
    func testDefaultsGoUpstreamWhenTheClientSendsNothing() async throws {
        let h = try ProxyHarness()
        let t = try await h.tunnel(try h.database(), dbUser: h.admin.user, dbName: h.admin.database)
        let client = try RawPGClient(port: t.port)
        guard case .ready = try client.startup(user: h.admin.user, database: h.admin.database, password: t.password,
                                               parameters: [])
        else { return XCTFail("startup failed") }
        let rows = client.query("select current_setting('client_encoding') || ' ' || current_setting('application_name')")
        let row = try XCTUnwrap(rows.first { $0.type == UInt8(ascii: "D") })
        XCTAssertEqual(String(decoding: row.body.suffix(12), as: UTF8.self), "UTF8 postern")
        client.sendMessage(UInt8(ascii: "X"), [])
        XCTAssertTrue(h.waitForFinishedSessions(1))
        await h.shutdown()
        XCTAssertEqual(h.sink.all.first?.0.startupParameters, ["application_name": "postern", "client_encoding": "UTF8"])
    }
}

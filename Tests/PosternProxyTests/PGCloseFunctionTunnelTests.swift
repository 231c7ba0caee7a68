import Foundation
import PosternCore
import XCTest
@testable import PosternProxy

/// Close and FunctionCall sent by a raw client through a live tunnel to the real PostgreSQL (TLS,
/// SCRAM): what the client gets back, that the server really did it, and the events as the audit
/// store holds them, field by field.
final class PGCloseFunctionTunnelTests: XCTestCase {
    typealias PG = RawPGClient

    func testCloseOfPortalAndStatementIsAnsweredFreesThemAndIsAudited() async throws {
        let live = try await StoredSessionHarness()
        // Names beyond ASCII and with spaces: the audit must carry them exactly.
        let statement = "stmt ü 1"
        let portal = "portal ü 1"
        let c = try PG.ready(live.tunnel)
        let batch = c.exchange([PG.parse(statement, "select $1::int * 2"),
                                PG.bind(portal: portal, statement: statement, [.text("21")]),
                                PG.execute(portal), PG.closePortal(portal), PG.closeStatement(statement), PG.sync])
        XCTAssertEqual(batch.map(\.tag), ["1", "2", "D", "C", "3", "3", "Z"], "\(batch.map(\.fields))")
        XCTAssertEqual(batch.first { $0.tag == "D" }?.columns, [Array("42".utf8)])

        // The server freed both: the portal no longer runs, no statement is left, and the name
        // can be prepared again (a second Parse of a live name is 42P05).
        let closedPortal = c.exchange([PG.execute(portal), PG.sync])
        XCTAssertEqual(closedPortal.map(\.tag), ["E", "Z"])
        XCTAssertEqual(closedPortal.first?.fields["C"], "34000")
        let missingPortal = "portal \"\(portal)\" does not exist"
        XCTAssertEqual(closedPortal.first?.fields["M"], missingPortal)
        let prepared = c.query("select count(*) from pg_prepared_statements")
        XCTAssertEqual(prepared.first { $0.tag == "D" }?.columns, [Array("0".utf8)], "\(prepared.map(\.fields))")
        // Closing a name that is not open is no error (the protocol says so): still audited.
        let again = c.exchange([PG.parse(statement, "select 1"), PG.closeStatement(statement),
                                PG.closePortal("never opened"), PG.sync])
        XCTAssertEqual(again.map(\.tag), ["1", "3", "3", "Z"], "\(again.map(\.fields))")
        c.send(PG.terminate)
        XCTAssertTrue(c.isClosed())

        // Close events carry the one name their target has; they have no result of their own.
        let events = try live.checkSession([
            .start,
            .event(.postgresParse(.init(statementName: statement, query: "select $1::int * 2"))),
            .event(.postgresBind(.init(statementName: statement, portalName: portal, parameters: ["21"]))),
            .event(.postgresExecute(.init(portalName: portal))),
            .event(.postgresClose(.init(statementName: "", portalName: portal))),
            .event(.postgresClose(.init(statementName: statement, portalName: ""))),
            .result(answering: 3, tag: "SELECT 1", rows: 1),
            .event(.postgresExecute(.init(portalName: portal))),
            .result(answering: 7, failed: ("34000", missingPortal)),
            .event(.query(.init(query: "select count(*) from pg_prepared_statements"))),
            .result(answering: 9, tag: "SELECT 1", rows: 1),
            .event(.postgresParse(.init(statementName: statement, query: "select 1"))),
            .event(.postgresClose(.init(statementName: statement, portalName: ""))),
            .event(.postgresClose(.init(statementName: "", portalName: "never opened"))),
            .end,
        ])
        XCTAssertEqual(events.filter { $0.type == .postgresClose }.map(\.code), ["TPG03I", "TPG03I", "TPG03I", "TPG03I"])
        XCTAssertEqual(AuditEventType.postgresClose.rawValue, "db.session.postgres.statements.close")
        await live.shutdown()
    }

    func testFunctionCallsByOIDAreAnsweredAndAuditedWithTheirArguments() async throws {
        let live = try await StoredSessionHarness()
        let c = try PG.ready(live.tunnel)
        let oids = try lookUpOIDs(c)
        let int4pl = oids[0], md5 = oids[1], quoteNullable = oids[2]
        let unknownOID: UInt32 = 4_000_000_000  // above Int32.max: the OID is unsigned on the wire and in the audit

        XCTAssertEqual(call(c, PG.functionCall(oid: int4pl, [.text("40"), .text("2")])), .value(Array("42".utf8)))
        XCTAssertEqual(call(c, PG.functionCall(oid: int4pl, [.int4(40), .int4(2)], resultFormat: 1)), .value(be32(42)))
        XCTAssertEqual(call(c, PG.functionCall(oid: int4pl, [.text("40"), .int4(2)])), .value(Array("42".utf8)))
        XCTAssertEqual(call(c, PG.functionCall(oid: md5, [.text("postern ü")])),
                       .value(Array("efa69264a9f123387ddddbdd0110a95a".utf8)))
        // quote_nullable is not strict: its answer shows the server got SQL NULL, not ''.
        XCTAssertEqual(call(c, PG.functionCall(oid: quoteNullable, [.null])), .value(Array("NULL".utf8)))
        XCTAssertEqual(call(c, PG.functionCall(oid: quoteNullable, [.text("")])), .value(Array("''".utf8)))
        XCTAssertEqual(call(c, PG.functionCall(oid: int4pl, [.null, .text("2")])), .null)
        let missing = "function with OID \(unknownOID) does not exist"
        XCTAssertEqual(call(c, PG.functionCall(oid: unknownOID, [.text("x")])), .error("42883", missing))
        XCTAssertEqual(call(c, PG.functionCall(oid: int4pl, [.text("1"), .text("1")])), .value(Array("2".utf8)))
        c.send(PG.terminate)
        XCTAssertTrue(c.isClosed())

        // Binary arguments are base64; NULL is recorded as "" (so it reads like an empty text
        // argument: the server's answers above tell the two apart, the audit does not).
        let function = { (oid: UInt32, args: [String]) in
            StoredSessionHarness.Expected.event(.postgresFunction(.init(functionOID: oid, functionArgs: args)))
        }
        let events = try live.checkSession([
            .start,
            .event(.query(.init(query: Self.oidQuery))),
            .result(answering: 1, tag: "SELECT 1", rows: 1),
            function(int4pl, ["40", "2"]), .result(answering: 3),
            function(int4pl, ["AAAAKA==", "AAAAAg=="]), .result(answering: 5),
            function(int4pl, ["40", "AAAAAg=="]), .result(answering: 7),
            function(md5, ["postern ü"]), .result(answering: 9),
            function(quoteNullable, [""]), .result(answering: 11),
            function(quoteNullable, [""]), .result(answering: 13),
            function(int4pl, ["", "2"]), .result(answering: 15),
            function(unknownOID, ["x"]), .result(answering: 17, failed: ("42883", missing)),
            function(int4pl, ["1", "1"]), .result(answering: 19),
            .end,
        ])
        XCTAssertEqual(events.filter { $0.type == .postgresFunction }.count, 9)
        XCTAssertEqual(AuditEventType.postgresFunction.rawValue, "db.session.postgres.function")
        await live.shutdown()
    }

    static let oidQuery = "select 'pg_catalog.int4pl'::regproc::oid, 'pg_catalog.md5(text)'::regprocedure::oid, "
        + "'pg_catalog.quote_nullable(text)'::regprocedure::oid"

    /// int4pl, md5(text) and quote_nullable(text), asked of the server through the tunnel.
    private func lookUpOIDs(_ c: RawPGClient) throws -> [UInt32] {
        let reply = c.query(Self.oidQuery)
        let oids = (reply.first { $0.tag == "D" }?.columns ?? []).compactMap { $0.flatMap { UInt32(String(decoding: $0, as: UTF8.self)) } }
        guard oids.count == 3 else { throw HarnessError("no OIDs: \(reply.map(\.fields))") }
        return oids
    }

    enum Answer: Equatable {
        case value([UInt8])
        case null
        case error(String, String)
        case other([Character])
    }

    /// One FunctionCall and the server's answer up to ReadyForQuery.
    private func call(_ c: RawPGClient, _ message: [UInt8]) -> Answer {
        let reply = c.exchange([message])
        switch reply.map(\.tag) {
        case ["V", "Z"]: return reply[0].functionResult.map(Answer.value) ?? .null
        case ["E", "Z"]: return .error(reply[0].fields["C"] ?? "", reply[0].fields["M"] ?? "")
        default: return .other(reply.map(\.tag))
        }
    }
}

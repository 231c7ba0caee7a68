import Foundation
@testable import PosternCore
import XCTest

/// Every event kind encoded field by field against a literal: Teleport's keys, Go's `omitempty`, sorted keys.
final class AuditEventJSONTests: XCTestCase {
    static let db = AuditDatabase(service: "orders-prod", protocol: "postgres", uri: "127.0.0.1:54329", name: "app",
                                  user: "reader", labels: ["env": "prod"], roles: ["access"], type: "self-hosted",
                                  origin: "config")
    static let common = #""cluster_name":"prod-bastion","db_labels":{"env":"prod"},"db_name":"app","db_origin":"config","db_protocol":"postgres","db_roles":["access"],"db_service":"orders-prod","db_type":"self-hosted","db_uri":"127.0.0.1:54329","db_user":"reader""#
    static let t = AuditTime(seconds: 1_696_589_912, nanos: 880_000_000) // 2023-10-06T10:58:32.88Z

    func event(_ details: AuditEventDetails, ei: Int64 = 2) -> AuditEvent {
        AuditEvent(index: ei, id: "a649d925-9dac-44cc-bd04-4387c295580f", time: Self.t, clusterName: "prod-bastion",
                   user: "alice", sessionID: "307b49d6-56c7-4d20-8cf0-5bc5348a7101", database: Self.db, details: details)
    }

    /// The expected object: kind-specific keys merged with the common ones, all sorted as the encoder sorts.
    func expect(_ details: AuditEventDetails, _ specific: String, ei: Int64 = 2,
                file: StaticString = #filePath, line: UInt = #line) throws {
        let ev = event(details, ei: ei)
        let head = #""code":"\#(ev.code)","ei":\#(ei),"event":"\#(ev.type.rawValue)","sid":"307b49d6-56c7-4d20-8cf0-5bc5348a7101","time":"2023-10-06T10:58:32.88Z","uid":"a649d925-9dac-44cc-bd04-4387c295580f","user":"alice""#
        let literal = "{" + [Self.common, head, specific].filter { !$0.isEmpty }.joined(separator: ",") + "}"
        // Compare as sorted key/value pairs so the literal need not interleave keys, then byte-for-byte order.
        let encoded = try ev.jsonString()
        let got = try JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? NSDictionary
        let want = try JSONSerialization.jsonObject(with: Data(literal.utf8)) as? NSDictionary
        XCTAssertEqual(got, want, "\n got: \(encoded)\nwant: \(literal)", file: file, line: line)
        XCTAssertEqual(encoded, try canonical(literal), file: file, line: line)
        XCTAssertEqual(try AuditEvent.decode(json: Data(encoded.utf8)), ev, "round trip", file: file, line: line)
    }

    /// Re-encodes the literal with sorted keys through JSONSerialization, to compare whole strings.
    func canonical(_ json: String) throws -> String {
        let obj = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    func testSessionStart() throws {
        try expect(.sessionStart(.init(serverID: "host-1", remoteAddr: "127.0.0.1:50000", postgresPID: 4242)),
                   #""addr.remote":"127.0.0.1:50000","postgres_pid":4242,"server_id":"host-1","success":true"#, ei: 0)
    }

    func testSessionStartRecordsTheStartupParametersSentUpstream() throws {
        try expect(.sessionStart(.init(userAgent: "psql", startupParameters: ["client_encoding": "UTF8", "datestyle": "ISO, MDY",
                                                                              "application_name": "psql"])),
                   #""server_id":"","startup_parameters":{"application_name":"psql","client_encoding":"UTF8","datestyle":"ISO, MDY"},"success":true,"user_agent":"psql""#,
                   ei: 0)
    }

    func testSessionStartFailure() throws {
        let denied = AuditStatus.failed("access to db denied",
                                        message: "access to db denied. User does not have permissions. Confirm database user and name.")
        try expect(.sessionStart(.init(status: denied, serverID: "host-1")),
                   #""error":"access to db denied","message":"access to db denied. User does not have permissions. Confirm database user and name.","server_id":"host-1","success":false"#,
                   ei: 0)
        XCTAssertEqual(event(.sessionStart(.init(status: denied))).code, "TDB00W")
    }

    func testSessionEnd() throws {
        try expect(.sessionEnd(.init(sessionStart: AuditTime(seconds: 1_696_589_900),
                                     sessionStop: Self.t, remoteAddr: "127.0.0.1:50000")),
                   #""addr.remote":"127.0.0.1:50000","session_start":"2023-10-06T10:58:20Z","session_stop":"2023-10-06T10:58:32.88Z""#)
    }

    func testQueryAsTeleportDocumentsIt() throws {
        // The documented `tsh play --format json` query event, field for field (db_labels added by our fixture).
        try expect(.query(.init(query: "select * from sample;")), #""db_query":"select * from sample;","success":true"#)
        try expect(.query(.init(query: "select $1", parameters: ["x"])),
                   #""db_query":"select $1","db_query_parameters":["x"],"success":true"#)
    }

    func testQueryFailed() throws {
        let ev = event(.query(.init(query: "select 1", status: .failed("upstream connection lost"))))
        XCTAssertEqual(ev.type, .queryFailed)
        XCTAssertEqual(ev.code, "TDB02W")
        try expect(ev.details, #""db_query":"select 1","error":"upstream connection lost","success":false"#)
    }

    func testPostgresExtendedProtocol() throws {
        try expect(.postgresParse(.init(statementName: "s1", query: "select $1::int")),
                   #""query":"select $1::int","statement_name":"s1""#)
        try expect(.postgresBind(.init(statementName: "s1", portalName: "", parameters: ["42", "AAEC"])),
                   #""parameters":["42","AAEC"],"portal_name":"","statement_name":"s1""#)
        try expect(.postgresBind(.init(statementName: "", portalName: "", parameters: [])),
                   #""parameters":[],"portal_name":"","statement_name":"""#)
        try expect(.postgresExecute(.init(portalName: "p1")), #""portal_name":"p1""#)
        try expect(.postgresClose(.init(statementName: "s1", portalName: "")), #""portal_name":"","statement_name":"s1""#)
        try expect(.postgresFunction(.init(functionOID: 1598, functionArgs: ["1"])),
                   #""function_args":["1"],"function_oid":1598"#)
        XCTAssertEqual(["TPG00I", "TPG01I", "TPG02I", "TPG03I", "TPG04I"], [
            event(.postgresParse(.init(statementName: "", query: ""))).code,
            event(.postgresBind(.init(statementName: "", portalName: "", parameters: []))).code,
            event(.postgresExecute(.init(portalName: ""))).code,
            event(.postgresClose(.init(statementName: "", portalName: ""))).code,
            event(.postgresFunction(.init(functionOID: 0))).code,
        ])
    }

    func testMalformedPacket() throws {
        try expect(.malformedPacket(.init(payload: [0x51, 0, 0, 0, 3])), #""payload":"UQAAAAM=""#)
    }

    func testResult() throws {
        try expect(.result(.init(queryID: "q-1", affectedRecords: 5, durationMicroseconds: 1_234, commandTag: "INSERT 0 5")),
                   #""affected_records":5,"command_tag":"INSERT 0 5","duration_ms":1.234,"query_uid":"q-1","success":true"#)
        try expect(.result(.init(queryID: "q-2", status: .failed("relation \"nope\" does not exist"), sqlState: "42P01",
                                 durationMicroseconds: 250)),
                   #""duration_ms":0.25,"error":"relation \"nope\" does not exist","query_uid":"q-2","sqlstate":"42P01","success":false"#)
    }

    func testEmptyOptionalFieldsAreOmitted() throws {
        var ev = event(.postgresExecute(.init(portalName: "")))
        ev.database = AuditDatabase(service: "", protocol: "postgres", uri: "h:1")
        ev.clusterName = ""
        let json = try ev.jsonString()
        XCTAssertEqual(json, #"{"code":"TPG02I","db_protocol":"postgres","db_uri":"h:1","ei":2,"event":"db.session.postgres.statements.execute","portal_name":"","sid":"307b49d6-56c7-4d20-8cf0-5bc5348a7101","time":"2023-10-06T10:58:32.88Z","uid":"a649d925-9dac-44cc-bd04-4387c295580f","user":"alice"}"#)
    }

    func testDecodingRefusesACodeThatContradictsTheEvent() throws {
        let json = try event(.query(.init(query: "x"))).jsonString().replacingOccurrences(of: "TDB02I", with: "TDB00I")
        XCTAssertThrowsError(try AuditEvent.decode(json: Data(json.utf8)))
    }

    func testSessionEventsCountFromZero() {
        var s = AuditSessionEvents(clusterName: "c", user: "alice", database: Self.db)
        let a = s.make(.sessionStart(.init()))
        let b = s.make(.query(.init(query: "select 1")))
        XCTAssertEqual([a.index, b.index], [0, 1])
        XCTAssertEqual(a.sessionID, b.sessionID)
        XCTAssertNotEqual(a.id, b.id)
        XCTAssertEqual(a.id, a.id.lowercased())
    }

    func testTimeFormatsAsGoRFC3339Nano() throws {
        XCTAssertEqual(AuditTime(seconds: 0).rfc3339, "1970-01-01T00:00:00Z")
        XCTAssertEqual(AuditTime(seconds: 1_696_589_912, nanos: 880_000_000).rfc3339, "2023-10-06T10:58:32.88Z")
        XCTAssertEqual(AuditTime(seconds: 951_782_400, nanos: 1).rfc3339, "2000-02-29T00:00:00.000000001Z")
        XCTAssertEqual(AuditTime(nanoseconds: -1).rfc3339, "1969-12-31T23:59:59.999999999Z")
        XCTAssertEqual(AuditTime(rfc3339: "2023-10-06T12:58:32.88+02:00"), AuditTime(seconds: 1_696_589_912, nanos: 880_000_000))
        for bad in ["2023-10-06", "2023-10-06T10:58:32", "2023-10-06T10:58:32.Z", "2023-13-06T10:58:32Z",
                    "2023-10-06T10:58:32.1234567891Z", "2023-10-06T10:58:32Zjunk"] {
            XCTAssertNil(AuditTime(rfc3339: bad), bad)
        }
        let now = AuditTime.now()
        XCTAssertEqual(AuditTime(rfc3339: now.rfc3339), now)
    }

    func testTerminalSafeJSONEscapesWhatATerminalWouldAct() throws {
        let ev = event(.query(.init(query: "select '\u{202E}evil\u{9B}31m' -- \n\u{1B}[2J")))
        let pretty = String(decoding: try AuditJSON.encoder(pretty: true).encode(ev), as: UTF8.self)
        let safe = AuditJSON.terminalSafe(pretty)
        XCTAssertFalse(safe.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x9B || $0.value == 0x1B })
        XCTAssertTrue(safe.contains("\\u202E") && safe.contains("\\u009B"), safe)
        XCTAssertTrue(safe.contains("\n"), "layout newlines stay")
        XCTAssertEqual(try AuditEvent.decode(json: Data(safe.utf8)), ev)
    }
}

/// The direct JSON writer and JSONEncoder must give the same bytes for everything an event can hold.
final class AuditJSONWriterTests: XCTestCase {
    static let tricky = "q \"quoted\" back\\slash /path\u{0}\u{1}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1B}\u{1F} é 漢 \u{202E} 🙂"
    static let db = AuditDatabase(service: "s\u{1}", protocol: "postgres", uri: "h:1", name: tricky, user: "u",
                                  labels: ["b": tricky, "a": "1", "Z": "", "é": "x"], awsRegion: "eu-west-2",
                                  roles: ["r2", "r1"], type: "rds", origin: "cloud")

    /// One event of every kind, with every field set to what breaks naive encoders.
    static func everyKind() -> [AuditEvent] {
        let kinds: [AuditEventDetails] = [
            .sessionStart(.init(status: .failed(tricky, message: tricky), serverID: "h", serverHostname: "n",
                                serverVersion: "v", localAddr: "l", remoteAddr: "r", userAgent: "ua", postgresPID: 4_294_967_295,
                                startupParameters: ["search_path": tricky, tricky: "", "a": "1"])),
            .sessionStart(.init(status: .ok)),
            .sessionEnd(.init(sessionStart: AuditTime(nanoseconds: -1), sessionStop: AuditTime(seconds: 1),
                              participants: ["a", tricky])),
            .query(.init(query: tricky, parameters: [tricky, ""])),
            .query(.init(query: "", status: .failed("x"))),
            .postgresParse(.init(statementName: tricky, query: tricky)),
            .postgresBind(.init(statementName: "", portalName: tricky, parameters: [])),
            .postgresExecute(.init(portalName: "")),
            .postgresClose(.init(statementName: "s", portalName: "p")),
            .postgresFunction(.init(functionOID: 0, functionArgs: [tricky])),
            .malformedPacket(.init(payload: Array(0...255))),
            .malformedPacket(.init(payload: [])),
        ] + [0, 1, 10, 250, 999, 1000, 1234, 1_000_001, 86_400_000_000, -5].map {
            .result(.init(queryID: "q", status: .failed(tricky), sqlState: "42P01", affectedRecords: UInt64.max,
                          durationMicroseconds: $0, commandTag: tricky))
        }
        return kinds.enumerated().map { i, details in
            AuditEvent(index: Int64(i) - 1, id: i == 0 ? "" : "id", time: AuditTime(seconds: Int64(i), nanos: 5),
                       clusterName: tricky, user: tricky, sessionID: "sid", database: db, details: details)
        }
    }

    func testWriterMatchesJSONEncoderForEveryKind() throws {
        for (i, ev) in Self.everyKind().enumerated() {
            let viaEncoder = String(decoding: try AuditJSON.encoder().encode(ev), as: UTF8.self)
            XCTAssertEqual(try ev.jsonString(), viaEncoder, "kind \(i)")
            XCTAssertEqual(try AuditEvent.decode(json: Data(try ev.jsonString().utf8)), ev, "kind \(i)")
        }
    }

    /// `audit play` lays stored JSON out itself: the same bytes as JSONEncoder's pretty array.
    func testPrettyArrayOfStoredJSONMatchesJSONEncoder() throws {
        let events = Self.everyKind()
        for slice in [events[...], events.prefix(1), events.prefix(0)] {
            let viaEncoder = String(decoding: try AuditJSON.encoder(pretty: true).encode(Array(slice)), as: UTF8.self)
            XCTAssertEqual(AuditJSON.prettyArray(try slice.map { try $0.jsonString() }), viaEncoder)
            // In pieces (what `play` writes): the same bytes, and terminal-safe when asked.
            let pieces = try XCTUnwrap(AuditJSON.prettyArrayPieces(try slice.map { try $0.jsonString() }, terminalSafe: true))
            XCTAssertEqual(String(decoding: pieces.joined(), as: UTF8.self), AuditJSON.terminalSafe(viaEncoder))
        }
        var odd = Self.everyKind()[0]
        odd.user = "mallory\u{202E}\u{9B}31m é 🚀"
        let pieces = try XCTUnwrap(AuditJSON.prettyArrayPieces([try odd.jsonString(), try odd.jsonString()], terminalSafe: true))
        let joined = String(decoding: pieces.joined(), as: UTF8.self)
        XCTAssertEqual(joined, AuditJSON.terminalSafe(try XCTUnwrap(AuditJSON.prettyArray([try odd.jsonString(), try odd.jsonString()]))))
        XCTAssertFalse(joined.unicodeScalars.contains("\u{202E}"))
        XCTAssertNil(AuditJSON.prettyArrayPieces([#"{"a":1}"#, #"{"a":"#]))
        // What no encoder writes is refused, not laid out: a damaged store is reported by `play`.
        for damaged in [#"{"a":"x"#, #"{"a":[1}"#, #"{"a":1}}"#, #"{"a":1},{"b":2}"#, "{\"a\":\"\u{1B}[2J\"}", #"["a"]"#, ""] {
            XCTAssertNil(AuditJSON.prettyArray([damaged]), damaged)
        }
    }

    func testKeyRanksFollowTheSortedKeyNames() {
        XCTAssertEqual(MemoryLayout<AuditKey>.size, 1, "sortRank reads the case's tag byte")
        for (i, key) in AuditKey.allCases.enumerated() {
            XCTAssertEqual(Int(key.tag), i)
            XCTAssertEqual(AuditKey.sortedNames[Int(key.sortRank)], Array(key.rawValue.utf8))
        }
        let ranked = AuditKey.allCases.sorted { $0.sortRank < $1.sortRank }.map(\.rawValue)
        XCTAssertEqual(ranked, AuditKey.allCases.map(\.rawValue).sorted())
    }

    func testIDsAreRandomVersion4UUIDs() {
        let ids = (0..<1000).map { _ in AuditEvent.newID() }
        XCTAssertEqual(Set(ids).count, ids.count)
        for id in ids.prefix(50) {
            XCTAssertNotNil(UUID(uuidString: id), id)
            XCTAssertEqual(id, id.lowercased())
            let chars = Array(id)
            XCTAssertEqual(chars[14], "4")
            XCTAssertTrue("89ab".contains(chars[19]), id)
        }
    }
}

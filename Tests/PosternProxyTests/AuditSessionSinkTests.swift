import NIOEmbedded
import PosternCore
import XCTest
@testable import PosternProxy

/// The proxy's events as Teleport's JSON events: common fields, codes, the result's link to its
/// statement, and secrets masked.
final class AuditSessionSinkTests: XCTestCase {
    func testEventsMapToTeleportEventsWithLinkedResultsAndNoSecrets() async throws {
        var aws = DatabaseAWS()
        aws.region = "eu-west-2"
        let db = Database(name: "orders", protocol: .postgres, uri: "orders.cluster-abc.eu-west-2.rds.amazonaws.com:5432",
                          staticLabels: ["env": "prod"], aws: aws)
        let user = PosternUser(name: "alice", roles: ["developer", "access"])
        let session = SessionInfo(id: "0f8fad5b-d9cb-469f-a165-70867728950e", clusterName: "prod-bastion",
                                  route: Route(user: user, database: db, dbUser: "reader", dbName: "app"),
                                  clientApplication: "psql")
        let memory = InMemoryAuditSink()
        let sink = AuditSessionSink(memory)
        try await sink.record([
            SessionEvent(index: 0, timeNanos: 1_700_000_000_000_000_000, kind: .start(error: nil)),
            SessionEvent(index: 1, timeNanos: 1_700_000_000_100_000_000, kind: .query("alter role x password 'hunter2'")),
            SessionEvent(index: 2, timeNanos: 1_700_000_000_200_000_000,
                         kind: .result(StatementResult(statementIndex: 1, tag: "ALTER ROLE", rows: nil, durationNanos: 1_500_000,
                                                       error: nil, sqlState: nil))),
            SessionEvent(index: 3, timeNanos: 1_700_000_000_300_000_000, kind: .statement(.postgresBind(.init(statementName: "s1", portalName: "", parameters: ["1", ""])))),
            SessionEvent(index: 4, timeNanos: 1_700_000_000_400_000_000, kind: .end),
        ], of: session)
        let events = await memory.events
        XCTAssertEqual(events.map(\.code), ["TDB00I", "TDB02I", "TDB10I", "TPG01I", "TDB01I"])
        XCTAssertEqual(events.map(\.index), [0, 1, 2, 3, 4])
        XCTAssertEqual(Set(events.map(\.id)).count, 5)
        for event in events {
            XCTAssertEqual(event.sessionID, session.id)
            XCTAssertEqual(event.user, "alice")
            XCTAssertEqual(event.clusterName, "prod-bastion")
            XCTAssertEqual(event.database.service, "orders")
            XCTAssertEqual(event.database.user, "reader")
            XCTAssertEqual(event.database.name, "app")
            XCTAssertEqual(event.database.type, "rds")
            XCTAssertEqual(event.database.awsRegion, "eu-west-2")
            XCTAssertEqual(event.database.labels, ["env": "prod"])
            XCTAssertEqual(UUID(uuidString: event.id)?.uuidString.lowercased(), event.id)
        }
        guard case .query(let query) = events[1].details, case .result(let result) = events[2].details else {
            return XCTFail("\(events)")
        }
        XCTAssertEqual(query.query, "alter role x password '***'")
        XCTAssertEqual(result.queryID, events[1].id)
        XCTAssertEqual(result.commandTag, "ALTER ROLE")
        XCTAssertEqual(result.durationMicroseconds, 1500)
        XCTAssertNil(result.affectedRecords)
        let json = try events.map { try $0.jsonString() }.joined()
        XCTAssertFalse(json.contains("hunter2"))
    }
}

/// The tick committer's path: a session's events encoded by its auditor into runs decode to the
/// very events `AuditSessionSink.auditEvent` makes, for every kind the proxy records.
final class SessionAuditorRunTests: XCTestCase {
    func testRunsHoldTheEventsTheSinkWouldMake() throws {
        let db = Database(name: "orders", protocol: .postgres, uri: "127.0.0.1:5432", staticLabels: ["env": "prod"])
        let origin = AuditOrigin(login: "ops", uid: 1001, clientAddress: "127.0.0.1 50000 127.0.0.1 22")
        var session = SessionInfo(id: "0f8fad5b-d9cb-469f-a165-70867728950e", clusterName: "c",
                                  route: Route(user: PosternUser(name: "alice", roles: ["access"]), database: db, dbUser: "reader",
                                               dbName: "app", origin: origin),
                                  clientApplication: "psql")
        session.startupParameters = ["application_name": "psql", "DateStyle": "ISO"]
        let kinds: [SessionEvent.Kind] = [
            .start(error: nil), .start(error: "refused"), .query("select 'secret' -- password 'x'"),
            .statement(.postgresBind(.init(statementName: "s1", portalName: "", parameters: ["1", ""]))),
            .malformed(reason: "short", prefix: [0, 10, 0x1B]),
            .result(StatementResult(statementIndex: 2, tag: "SELECT 1", rows: 1, durationNanos: 1_500, error: nil, sqlState: nil)),
            .result(StatementResult(statementIndex: 3, tag: nil, rows: nil, durationNanos: 0, error: "boom", sqlState: "42P01")),
            .ended(reason: "idle"), .end,
        ]
        let events = kinds.enumerated().map { SessionEvent(index: $0.offset, timeNanos: 1_700_000_000_000_000_000 + Int64($0.offset), kind: $0.element) }
        let sink = AuditSessionSink(InMemoryAuditSink())
        let auditor = SessionAuditor(info: session, sink: sink, eventLoop: EmbeddedEventLoop())
        auditor.clientApplication = "psql"
        auditor.startupParameters = session.startupParameters
        for e in events { auditor.append(e.kind, at: e.timeNanos) }
        var runs: [AuditEncodedRun] = []
        auditor.drainPending(into: &runs)
        XCTAssertEqual(runs.count, 1)
        XCTAssertFalse(auditor.hasPending)
        let expected = events.map { AuditSessionSink.auditEvent($0, of: session) }
        XCTAssertEqual(try AuditEncodedRun.events(of: runs), expected)
        XCTAssertEqual(Set(runs[0].types), Set(expected.map(\.type.rawValue)))
        XCTAssertEqual(runs[0].types.count, Set(runs[0].types).count)
        XCTAssertEqual(runs[0].endsSession, true)
        XCTAssertEqual([runs[0].firstIndex, runs[0].lastIndex], [0, Int64(events.count - 1)])
    }

    /// A long pending run is cut into full records.
    func testALongPendingRunIsCutAtARecordsLimit() throws {
        let db = Database(name: "cache", protocol: .redis, uri: "127.0.0.1:6379")
        let session = SessionInfo(id: "s", clusterName: "c", route: Route(user: PosternUser(name: "bob", roles: []), database: db, dbUser: "default"))
        let auditor = SessionAuditor(info: session, sink: AuditSessionSink(InMemoryAuditSink()), eventLoop: EmbeddedEventLoop())
        for i in 0..<(AuditEncodedRun.maxEvents + 3) { auditor.append(.query("GET k\(i)"), at: Int64(i)) }
        var runs: [AuditEncodedRun] = []
        auditor.drainPending(into: &runs)
        XCTAssertEqual(runs.map(\.count), [AuditEncodedRun.maxEvents, 3])
        XCTAssertEqual(try AuditEncodedRun.events(of: runs).map(\.id).prefix(2),
                       [AuditSessionSink.eventID(session: "s", index: 0), AuditSessionSink.eventID(session: "s", index: 1)])
    }
}

/// Which sign-in each kind of database gets.
final class DatabaseSignInTests: XCTestCase {
    struct FixedRedshift: RedshiftLoginSource {
        func login(for route: Route) async throws -> UpstreamLogin {
            UpstreamLogin(user: "IAM:\(route.dbUser)", password: "temporary")
        }
    }

    func testRedshiftUsesTemporaryCredentialsAndPasswordsComeFromTheEnvironment() async throws {
        var aws = DatabaseAWS()
        aws.region = "us-east-1"
        aws.redshift.clusterID = "analytics"
        let redshift = Database(name: "warehouse", protocol: .postgres, uri: "analytics.abc.us-east-1.redshift.amazonaws.com:5439",
                                aws: aws)
        let user = PosternUser(name: "alice", roles: [])
        let signIn = DatabaseSignIn(redshift: FixedRedshift(), environment: ["PW": "from-env"])
        let login = try await signIn.login(for: Route(user: user, database: redshift, dbUser: "alice", dbName: "dev"))
        XCTAssertEqual(login.user, "IAM:alice")
        XCTAssertFalse("\(login)".contains("temporary"), "the password must not print")

        let selfHosted = Database(name: "pg", protocol: .postgres, uri: "db.internal:5432", auth: .password(.environment("PW")))
        let password = try await signIn.login(for: Route(user: user, database: selfHosted, dbUser: "app"))
        XCTAssertEqual(password.password, "from-env")

        let noRedshift = DatabaseSignIn(environment: [:])
        do {
            _ = try await noRedshift.login(for: Route(user: user, database: redshift, dbUser: "alice", dbName: "dev"))
            XCTFail("Redshift without a credential source signed in")
        } catch let error as UpstreamCredentialError {
            XCTAssertTrue(error.description.contains("Redshift"), error.description)
        }
    }
}

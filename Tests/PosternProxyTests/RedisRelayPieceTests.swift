import NIOCore
import PosternCore
import XCTest
@testable import PosternProxy

/// The Redis relay's pure pieces: reply matching and the audit text.
final class RedisRelayPieceTests: XCTestCase {
    private func scan(_ text: String) throws -> [RESPScanner.Message] {
        var scanner = RESPScanner(limits: .streaming)
        var out: [RESPScanner.Message] = []
        try Array(text.utf8).withUnsafeBytes { b in try scanner.scan(b) { _, m in out.append(m) } }
        return out
    }

    private func entry(_ statement: Int, _ kind: RedisReplyLedger.Kind) -> RedisReplyLedger.Entry {
        RedisReplyLedger.Entry(statement: statement, kind: kind, sentAt: 100)
    }

    func testRepliesMatchCommandsInOrderAndPubSubIsOutOfBand() throws {
        var ledger = RedisReplyLedger()
        var results: [StatementResult] = []
        ledger.sent(entry(1, .reply))
        ledger.sent(entry(2, .subscription(remaining: 2)))
        ledger.sent(entry(3, .reply))
        let replies = "+OK\r\n" + "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n" + "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
            + "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n" + "*2\r\n$4\r\npong\r\n$0\r\n\r\n"
        for m in try scan(replies) { ledger.received(m, now: 150, into: &results) }
        XCTAssertEqual(results.map(\.statementIndex), [1, 2, 3])
        XCTAssertEqual(results.map(\.tag), ["simple-string", "array", "array"])
        XCTAssertEqual(results.map(\.durationNanos), [50, 50, 50])
        XCTAssertTrue(ledger.isEmpty)
    }

    func testRESP3PushesAnswerNothingButSubscriptions() throws {
        var ledger = RedisReplyLedger()
        var results: [StatementResult] = []
        ledger.sent(entry(1, .hello(version: 3)))
        ledger.sent(entry(2, .subscription(remaining: 1)))
        ledger.sent(entry(3, .reply))
        let replies = "%1\r\n+proto\r\n:3\r\n" + ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
            + ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n" + ">2\r\n$10\r\ninvalidate\r\n*0\r\n" + "-ERR nope\r\n"
        for m in try scan(replies) { ledger.received(m, now: 100, into: &results) }
        XCTAssertEqual(results.map(\.statementIndex), [1, 2, 3])
        XCTAssertEqual(results.map(\.tag), ["map", "push", "error"])
        XCTAssertEqual(results.last?.error, "ERR nope")
    }

    func testLocalRepliesWaitForEarlierReplies() throws {
        var ledger = RedisReplyLedger()
        var results: [StatementResult] = []
        ledger.sent(entry(1, .reply))
        ledger.sent(entry(2, .local(ByteBuffer(string: "+OK\r\n"), type: .simpleString, error: nil)))
        XCTAssertNil(ledger.popLocal(now: 100, into: &results))
        for m in try scan(":1\r\n") { ledger.received(m, now: 100, into: &results) }
        XCTAssertEqual(ledger.popLocal(now: 100, into: &results), ByteBuffer(string: "+OK\r\n"))
        XCTAssertEqual(results.map(\.statementIndex), [1, 2])
    }

    func testASpoiledExecsDiscardReplyIsSwappedForWhatRedisAnswersEXEC() throws {
        var ledger = RedisReplyLedger()
        var results: [StatementResult] = []
        let abort = ByteBuffer(string: "-EXECABORT Transaction discarded because of previous errors.\r\n")
        ledger.sent(entry(1, .spoiledExec))
        ledger.sent(entry(2, .reply))
        XCTAssertTrue(ledger.hasReplacedHead)
        let swaps = try scan(">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n+OK\r\n:5\r\n").map {
            ledger.received($0, now: 100, into: &results)
        }
        XCTAssertEqual(swaps, [nil, abort, nil], "a push is not the reply; DISCARD's +OK is swapped")
        XCTAssertEqual(results.map(\.statementIndex), [1, 2])
        XCTAssertEqual(results.map(\.tag), ["error", "integer"])
        XCTAssertEqual(results.first?.error, "EXECABORT Transaction discarded because of previous errors.")
        XCTAssertFalse(ledger.hasReplacedHead)

        // The server had refused the MULTI: DISCARD finds no transaction, and the client gets EXEC's error.
        ledger.sent(entry(3, .spoiledExec))
        let refused = try scan("-ERR DISCARD without MULTI\r\n").map { ledger.received($0, now: 100, into: &results) }
        XCTAssertEqual(refused, [ByteBuffer(string: "-ERR EXEC without MULTI\r\n")])
        XCTAssertEqual(results.last?.error, "ERR EXEC without MULTI")
        XCTAssertEqual(RedisReplyLedger.spoiledExecAnswer(
            discardError: "NOPERM this user has no permissions to run the 'discard' command"),
            "EXECABORT Transaction discarded because of: NOPERM this user has no permissions to run the 'exec' command")
    }

    func testMonitorOutputAndAbandon() throws {
        var ledger = RedisReplyLedger()
        var results: [StatementResult] = []
        ledger.sent(entry(1, .monitor))
        ledger.sent(entry(2, .reply))
        for m in try scan("+OK\r\n+1700000000.1 [0 127.0.0.1:1] \"GET\" \"k\"\r\n") { ledger.received(m, now: 100, into: &results) }
        ledger.abandon(now: 200, reason: "session ended", into: &results)
        XCTAssertEqual(results.map(\.statementIndex), [1, 2])
        XCTAssertEqual(results.last?.error, "session ended")
    }

    func testAuditTextMasksSecretsAndOptionallyValues() {
        XCTAssertEqual(RedisAuditText.query(["AUTH", "alice", "s3cret"], values: .full), "AUTH alice ***")
        XCTAssertEqual(RedisAuditText.query(["HELLO", "3", "AUTH", "u", "p", "SETNAME", "x"], values: .full),
                       "HELLO 3 AUTH u *** SETNAME x")
        XCTAssertEqual(RedisAuditText.query(["SET", "k", "a b", "EX", "10"], values: .full), "SET k \"a b\" EX 10")
        XCTAssertEqual(RedisAuditText.query(["SET", "k", "v", "EX", "10"], values: .redacted), "SET k *** *** ***")
        XCTAssertEqual(RedisAuditText.query(["MSET", "k1", "v1", "k2", "v2"], values: .redacted), "MSET k1 *** k2 ***")
        XCTAssertEqual(RedisAuditText.query(["HSET", "h", "f1", "v1", "f2", "v2"], values: .redacted), "HSET h f1 *** f2 ***")
        XCTAssertEqual(RedisAuditText.query(["GET", "k"], values: .redacted), "GET k")
        XCTAssertEqual(RedisAuditText.query(["ECHO", ""], values: .full), "ECHO \"\"")
        let long = [UInt8](repeating: 120, count: 5000)
        XCTAssertEqual(long.withUnsafeBytes { RedisAuditText.argument($0) }, String(repeating: "x", count: 4096) + "...(5000 bytes)")
    }

    /// One table says how each command is relayed, answered and redacted; any other command is
    /// forwarded, answered once, and has no values to mask.
    func testCommandTraitsTable() {
        XCTAssertEqual(RedisCommandTraits.of("exec").handling, .exec)
        XCTAssertEqual(RedisCommandTraits.of("reset").handling, .endsTransaction)
        XCTAssertEqual(RedisCommandTraits.of("reset").answer, .reset)
        XCTAssertEqual(RedisCommandTraits.of("auth").handling, .answeredLocally)
        XCTAssertEqual(RedisCommandTraits.of("ssubscribe").answer, .subscription)
        XCTAssertEqual(RedisCommandTraits.of("hset").values?.first, 3)
        XCTAssertEqual(RedisCommandTraits.of("hset").values?.stride, 2)
        let other = RedisCommandTraits.of("get")
        XCTAssertEqual(other.handling, .forward)
        XCTAssertEqual(other.answer, .reply)
        XCTAssertNil(other.values)
        // Looked up by the lower-cased name the relay passes.
        XCTAssertEqual(RedisCommandTraits.of("EXEC").handling, .forward)
    }

    /// The server may quote a masked password back in its error: a result of a command whose audit
    /// text had a secret masked keeps only the error's code. Postern's own denials are kept whole.
    func testTheErrorOfACommandWithASecretIsMasked() throws {
        XCTAssertEqual(RedisAuditText.audited(["ACL", "SETUSER", "u", "(>pw)"], traits: .of("acl"), values: .full).secret, true)
        XCTAssertEqual(RedisAuditText.audited(["SET", "k", "v"], traits: .of("set"), values: .redacted).secret, false)
        var ledger = RedisReplyLedger()
        var results: [StatementResult] = []
        var secret = entry(1, .reply)
        secret.secret = true
        ledger.sent(secret)
        ledger.sent(entry(2, .reply))
        var denied = entry(3, .local(ByteBuffer(string: "-NOPERM denied\r\n"), type: .error, error: "NOPERM denied"))
        denied.secret = true
        ledger.sent(denied)
        for m in try scan("-ERR Error in ACL SETUSER modifier '(>pw)': Syntax error\r\n-ERR plain\r\n") {
            ledger.received(m, now: 100, into: &results)
        }
        _ = ledger.popLocal(now: 100, into: &results)
        XCTAssertEqual(results.map(\.error), ["ERR ***", "ERR plain", "NOPERM denied"])
    }
}

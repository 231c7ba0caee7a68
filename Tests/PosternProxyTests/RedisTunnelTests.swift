import Foundation
import PosternCore
import PosternTestSupport
import XCTest
@testable import PosternProxy

/// redis-cli through a tunnel to the real Redis 7 (TLS, ACL) of scripts/services.
final class RedisTunnelTests: XCTestCase {
    func testGetSetAuditedFieldByFieldWithAUTHMasked() async throws {
        let h = try ProxyHarness()
        let db = try h.redisDatabase()
        let tunnel = try await h.tunnel(db, dbUser: "alice")
        let key = "postern:test:\(UUID().uuidString)"
        let set = try h.redisCLI(tunnel, ["SET", key, "hello world"], timeout: 5)
        XCTAssertEqual(set.stdout, "OK\n", set.combined)
        let get = try h.redisCLI(tunnel, ["GET", key])
        XCTAssertEqual(get.stdout, "hello world\n", get.combined)
        // A client AUTH inside the session is answered by Postern and never stored in clear.
        let auth = try h.redisCLI(tunnel, ["AUTH", "alice", "hunter2-secret"])
        XCTAssertEqual(auth.stdout, "OK\n", auth.combined)
        let missing = try h.redisCLI(tunnel, ["HGET", key, "f"])
        XCTAssertTrue(missing.stdout.contains("WRONGTYPE"), missing.combined)
        await h.shutdown()
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: 4))

        let sessions = h.sink.sessions(dbUser: "alice")
        XCTAssertEqual(sessions.count, 4)
        let all = sessions.map { h.redisEvents($0.id) }
        XCTAssertEqual(all[0].queries, ["SET \(key) \"hello world\""])
        XCTAssertEqual(all[0].results.map(\.tag), ["simple-string"])
        XCTAssertEqual(all[1].queries, ["GET \(key)"])
        XCTAssertEqual(all[1].results.map(\.tag), ["bulk-string"])
        XCTAssertEqual(all[2].queries, ["AUTH alice ***"])
        XCTAssertEqual(all[3].results.first?.error?.hasPrefix("WRONGTYPE"), true)
        for (info, event) in h.sink.all where sessions.contains(where: { $0.id == info.id }) {
            let text = "\(event)"
            XCTAssertFalse(text.contains("hunter2"), text)
            XCTAssertFalse(text.contains(tunnel.password), text)
        }
        let first = h.sink.events(session: sessions[0].id)
        XCTAssertEqual(first.first?.kind, .start(error: nil))
        XCTAssertEqual(first.last?.kind, .end)
        XCTAssertEqual(first.map(\.index), Array(0..<first.count))
        XCTAssertEqual(sessions[0].route.database.protocol, .redis)
        guard case .result(let r) = first[2].kind else { return XCTFail("no result: \(first)") }
        XCTAssertEqual(r.statementIndex, 1)
        XCTAssertNil(r.error)
        XCTAssertGreaterThan(r.durationNanos, 0)
    }

    /// `printf 'PING\r\n' | nc -N`: a client that half-closes after its commands still gets every reply.
    func testHalfClosedClientGetsItsRepliesThenTheEnd() async throws {
        let h = try ProxyHarness()
        let tunnel = try await h.tunnel(try h.redisDatabase(), dbUser: "alice")
        let client = try RawTCPClient(port: tunnel.port)
        client.send(RESPEncoder.command(["AUTH", "alice", tunnel.password]) + Array("PING\r\nECHO hi\r\nGET".utf8))
        client.finishSending()
        let got = client.read()
        XCTAssertEqual(String(decoding: got.bytes, as: UTF8.self), "+OK\r\n+PONG\r\n$2\r\nhi\r\n")
        XCTAssertTrue(got.closed)
        await h.shutdown()
        XCTAssertTrue(h.waitForFinishedSessions(1))
        let session = try XCTUnwrap(h.sink.sessions(dbUser: "alice").first)
        // The tunnel's own AUTH is the sign-in, not a query.
        XCTAssertEqual(h.redisEvents(session.id).queries, ["PING", "ECHO hi"])
        XCTAssertEqual(h.sink.events(session: session.id).last?.kind, .end)
    }

    func testWrongSecretIsRefusedAndAudited() async throws {
        let h = try ProxyHarness()
        let tunnel = try await h.tunnel(try h.redisDatabase(), dbUser: "alice")
        let r = try Subprocess.run("redis-cli", ["-h", "127.0.0.1", "-p", String(tunnel.port), "--user", "alice",
                                                 "-a", "not-the-secret", "--no-auth-warning", "PING"])
        XCTAssertTrue(r.combined.contains("WRONGPASS"), r.combined)
        let noAuth = try Subprocess.run("redis-cli", ["-h", "127.0.0.1", "-p", String(tunnel.port), "PING"])
        XCTAssertTrue(noAuth.combined.contains("NOAUTH"), noAuth.combined)
        await h.shutdown()
        XCTAssertTrue(h.waitForFinishedSessions(1))
        let starts = h.sink.all.compactMap { _, e -> String?? in
            if case .start(let error) = e.kind { return error }
            return nil
        }
        XCTAssertEqual(starts.first, "WRONGPASS invalid username-password pair or user is disabled.")
    }
}

/// What real clients do through a tunnel: big values, big pipelines, pub/sub, RESP3, MULTI/EXEC.
final class RedisClientTrafficTests: XCTestCase {
    func testPipeOf100kCommandsAndA10MBValue() async throws {
        let h = try ProxyHarness()
        let tunnel = try await h.tunnel(try h.redisDatabase(), dbUser: "alice")
        let prefix = "postern:pipe:\(UUID().uuidString):"
        var pipe: [UInt8] = []
        for i in 0..<100_000 { pipe += RESPEncoder.command(["SET", prefix + String(i), String(i)]) }
        let piped = try h.redisCLI(tunnel, ["--pipe"], stdin: Data(pipe), timeout: 120)
        XCTAssertTrue(piped.stdout.contains("errors: 0, replies: 100000"), piped.combined)
        let last = try h.redisCLI(tunnel, ["GET", prefix + "99999"])
        XCTAssertEqual(last.stdout, "99999\n")

        var big = [UInt8](repeating: 0, count: 10 << 20)
        for i in big.indices { big[i] = UInt8(ascii: "a") + UInt8(i % 26) }
        let key = "postern:big:\(UUID().uuidString)"
        let set = try h.redisCLI(tunnel, ["-x", "SET", key], stdin: Data(big), timeout: 60)
        XCTAssertEqual(set.stdout, "OK\n", set.combined)
        let get = try h.redisCLI(tunnel, ["GET", key], timeout: 60)
        XCTAssertEqual(get.stdout.utf8.count, big.count + 1)
        XCTAssertTrue(get.stdout.utf8.elementsEqual(big + [10]))
        _ = try h.redisCLI(tunnel, ["DEL", key])
        await h.shutdown()
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: 5, timeout: 60))
        let pipeSession = try XCTUnwrap(h.sink.sessions(dbUser: "alice").first)
        let events = h.redisEvents(pipeSession.id)
        // redis-cli --pipe adds one ECHO of its own to know when the last reply came.
        XCTAssertEqual(events.queries.count, 100_001)
        XCTAssertEqual(events.results.count, 100_001)
        XCTAssertEqual(events.queries[7], "SET \(prefix)7 7")
        XCTAssertTrue(events.results.allSatisfy { $0.error == nil })
        let bigSession = try XCTUnwrap(h.sink.sessions(dbUser: "alice").dropFirst(2).first)
        let bigQuery = try XCTUnwrap(h.redisEvents(bigSession.id).queries.first)
        XCTAssertTrue(bigQuery.hasSuffix("...(10485760 bytes)\""), String(bigQuery.suffix(40)))
    }

    func testSubscribeWithAPublisherInRESP2AndRESP3() async throws {
        let h = try ProxyHarness()
        let tunnel = try await h.tunnel(try h.redisDatabase(), dbUser: "alice")
        for resp3 in [false, true] {
            let channel = "postern:ch:\(UUID().uuidString)"
            let subscriber = try Subprocess("redis-cli", h.redisCLIArguments(tunnel) + (resp3 ? ["-3"] : [])
                + ["SUBSCRIBE", channel])
            let subscribed = eventually(timeout: 10) { subscriber.stdoutSoFar.contains(channel) }
            XCTAssertTrue(subscribed, subscriber.stdoutSoFar)
            var delivered = false
            for n in 0..<50 where !delivered {
                _ = try h.redisCLI(tunnel, ["PUBLISH", channel, "hello-\(n)"])
                delivered = eventually(timeout: 0.5) { subscriber.stdoutSoFar.contains("message\n\(channel)\nhello-") }
            }
            XCTAssertTrue(delivered, subscriber.stdoutSoFar)
            subscriber.signal(SIGTERM)
            _ = subscriber.wait(timeout: 10)
        }
        await h.shutdown()
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: 4))
        let subscribes = h.sink.sessions(dbUser: "alice").map { h.redisEvents($0.id) }
            .filter { $0.queries.contains { $0.hasPrefix("SUBSCRIBE") } }
        XCTAssertEqual(subscribes.count, 2)
        XCTAssertEqual(subscribes[0].results.first?.tag, "array")
        XCTAssertEqual(subscribes[1].results.map(\.tag).last, "push")
    }

    func testRESP3RepliesAndMultiExec() async throws {
        let h = try ProxyHarness()
        let tunnel = try await h.tunnel(try h.redisDatabase(), dbUser: "alice")
        let key = "postern:h:\(UUID().uuidString)"
        _ = try h.redisCLI(tunnel, ["HSET", key, "f", "v"])
        let map = try h.redisCLI(tunnel, ["-3", "HGETALL", key])
        // redis-cli prints a map's pair on one line when stdout is not a tty.
        XCTAssertEqual(map.stdout, "f v\n", map.combined)
        let hello = try h.redisCLI(tunnel, ["-3", "HELLO", "3"])
        XCTAssertTrue(hello.stdout.contains("proto 3\n"), hello.combined)
        let counter = "postern:c:\(UUID().uuidString)"
        let tx = try h.redisCLI(tunnel, [], stdin: Data("MULTI\nSET \(counter) 41\nINCR \(counter)\nEXEC\n".utf8))
        XCTAssertEqual(tx.stdout, "OK\nQUEUED\nQUEUED\nOK\n42\n", tx.combined)
        _ = try h.redisCLI(tunnel, ["DEL", key, counter])
        await h.shutdown()
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: 5))
        let sessions = h.sink.sessions(dbUser: "alice").map { h.redisEvents($0.id) }
        let resp3 = try XCTUnwrap(sessions.first { $0.queries.contains { $0.hasPrefix("HGETALL") } })
        XCTAssertEqual(resp3.queries.first, "HELLO 3")
        XCTAssertEqual(resp3.results.map(\.tag), ["map", "map"])
        let multi = try XCTUnwrap(sessions.first { $0.queries.contains("MULTI") })
        // redis-cli reading commands from stdin first asks for COMMAND DOCS (its hints).
        XCTAssertEqual(multi.queries, ["COMMAND DOCS", "MULTI", "SET \(counter) 41", "INCR \(counter)", "EXEC"])
        XCTAssertEqual(multi.results.map(\.tag), ["array", "simple-string", "simple-string", "simple-string", "array"])
    }

    /// Commands read together with a malformed one are audited, never sent, and recorded as not sent.
    func testCommandsBeforeMalformedRESPInOneReadAreRecordedNotSent() async throws {
        let h = try ProxyHarness()
        let tunnel = try await h.tunnel(try h.redisDatabase(), dbUser: "alice")
        let key = "postern:unsent:\(UUID().uuidString)"
        let client = try RawTCPClient(port: tunnel.port)
        client.send(RESPEncoder.command(["AUTH", "alice", tunnel.password]))
        XCTAssertEqual(client.read { $0.count >= 5 }.bytes, Array("+OK\r\n".utf8))
        client.send(RESPEncoder.command(["SET", key, "1"]) + Array("*abc\r\n".utf8))
        let got = client.read { String(decoding: $0, as: UTF8.self).contains("\r\n") }
        XCTAssertTrue(String(decoding: got.bytes, as: UTF8.self).hasPrefix("-ERR Protocol error"))
        XCTAssertEqual(try h.redisCLI(tunnel, ["EXISTS", key]).stdout, "0\n", "the SET never reached the server")
        await h.shutdown()
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: 2))
        let session = try XCTUnwrap(h.sink.sessions(dbUser: "alice").map { h.redisEvents($0.id) }
            .first { $0.queries.contains("SET \(key) 1") })
        XCTAssertEqual(session.results.count, 1)
        XCTAssertEqual(session.results.first?.error?.hasPrefix("not sent: "), true, "\(session.results)")
    }

    /// Malformed RESP ends only its own session, with a protocol error; another session goes on.
    func testFuzzCorpusSessionsWhileAnotherSessionWorks() async throws {
        let h = try ProxyHarness()
        let tunnel = try await h.tunnel(try h.redisDatabase(), dbUser: "alice")
        let worker = try RawTCPClient(port: tunnel.port)
        worker.send(RESPEncoder.command(["AUTH", "alice", tunnel.password]))
        XCTAssertEqual(worker.read { $0.count >= 5 }.bytes, Array("+OK\r\n".utf8))
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/resp")
        let files = try FileManager.default.contentsOfDirectory(at: corpus, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix("abuse-command") || $0.lastPathComponent.hasPrefix("abuse-inline")
                || $0.lastPathComponent.hasPrefix("random-") }
            .sorted { $0.path < $1.path }
        XCTAssertGreaterThan(files.count, 40)
        var protocolErrors = 0
        for (n, file) in files.enumerated() {
            let fuzz = try RawTCPClient(port: tunnel.port)
            fuzz.send(RESPEncoder.command(["AUTH", tunnel.password]))
            fuzz.send([UInt8](try Data(contentsOf: file)))
            // End of input: a cut-off command must end the session, not wait for more bytes.
            fuzz.finishSending()
            let got = fuzz.read { String(decoding: $0, as: UTF8.self).contains("Protocol error") }
            if String(decoding: got.bytes, as: UTF8.self).contains("-ERR Protocol error") { protocolErrors += 1 }
            // The other session still answers, every time.
            worker.send(RESPEncoder.command(["ECHO", "alive-\(n)"]))
            let echo = "alive-\(n)"
            let expected = "$\(echo.utf8.count)\r\n\(echo)\r\n"
            let reply = worker.read { $0.count >= expected.utf8.count }
            XCTAssertEqual(String(decoding: reply.bytes, as: UTF8.self), expected, file.lastPathComponent)
        }
        XCTAssertGreaterThan(protocolErrors, 10)
        await h.shutdown()
        XCTAssertTrue(h.waitForAllSessionsFinished(atLeast: files.count, timeout: 30))
        let malformed = h.sink.all.filter { if case .malformed = $0.1.kind { return true } else { return false } }
        XCTAssertEqual(malformed.count, protocolErrors)
    }
}

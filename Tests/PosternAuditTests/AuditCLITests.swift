import Foundation
import PosternAudit
import PosternCore
import XCTest

/// `postern audit search`, `audit tail` and `play` against a store filled by the real binary.
final class AuditCLITests: AuditConfigTestCase {

    func postern(_ args: [String]) throws -> PosternBinary.Output { try PosternBinary.run(args + ["--config", config]) }

    func events(_ json: String) throws -> [AuditEvent] {
        try JSONDecoder().decode([AuditEvent].self, from: Data(json.utf8))
    }

    func testSearchFiltersAndFormats() throws {
        try fill()
        let all = try postern(["audit", "search", "--format", "json"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(try events(all.stdout).count, 10)
        let mine = try events(try postern(["audit", "search", "--format", "json", "--user", "writer0"]).stdout)
        XCTAssertEqual(mine.map(\.user), Array(repeating: "writer0", count: 5))
        XCTAssertEqual(try events(try postern(["audit", "search", "--format", "json", "--since", "1h",
                                               "--type", "db.session.query", "--db", "selftest"]).stdout).count, 10)
        XCTAssertEqual(try events(try postern(["audit", "search", "--format", "json", "--until", "1h"]).stdout), [])
        XCTAssertEqual(try events(try postern(["audit", "search", "--format", "json", "--db", "other"]).stdout), [])
        XCTAssertEqual(try events(try postern(["audit", "search", "--format", "json", "--limit", "3"]).stdout).count, 3)

        let text = try postern(["audit", "search", "--user", "writer1"])
        let lines = text.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
        for (i, line) in lines.enumerated() {
            let fields = line.split(separator: " ", maxSplits: 4).map(String.init)
            XCTAssertNotNil(AuditTime(rfc3339: fields[0]), String(line))
            XCTAssertEqual(Array(fields[1...3]), ["db.session.query", "writer1", "selftest"])
            XCTAssertEqual(fields[4], "select \(i) -- session 1")
        }
    }

    func testSearchErrors() throws {
        try fill(sessions: 1, count: 1)
        let badType = try postern(["audit", "search", "--type", "db.session.nope"])
        XCTAssertEqual(badType.status, 1)
        XCTAssertTrue(badType.stderr.contains("unknown event type \"db.session.nope\""), badType.stderr)
        let badSince = try postern(["audit", "search", "--since", "yesterday"])
        XCTAssertEqual(badSince.status, 1)
        XCTAssertTrue(badSince.stderr.contains("neither a duration"), badSince.stderr)
    }

    /// Durations, times and counts out of range are one clear line and exit 1, never a trap.
    func testOutOfRangeArgumentsAreClearErrors() throws {
        try fill(sessions: 1, count: 1)
        let cases: [([String], Int32, String)] = [
            (["--since", "99999999999999d"], 1, "\"99999999999999d\" is too long a duration (at most 106751d"),
            (["--until", "106752d"], 1, "\"106752d\" is too long a duration"),
            (["--since", "99999999999999999999s"], 1, "is too long a duration"),
            (["--since", "9999-12-31T23:59:59Z"], 1, "nor an RFC 3339 time (years 1678 to 2261)"),
            (["--until", "1600-01-01T00:00:00Z"], 1, "nor an RFC 3339 time"),
            (["--limit=-1"], 1, "--limit must be 0 or more, not -1"),
            (["--limit", "99999999999999999999"], 64, "--limit"),
        ]
        for (args, status, message) in cases {
            let r = try postern(["audit", "search"] + args)
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
        }
        // The longest durations still work, as do Go-style compound ones with days.
        for since in ["106751d", "1d12h", "2562047h47m16s"] {
            let r = try postern(["audit", "search", "--format", "json", "--since", since])
            XCTAssertEqual(r.status, 0, "\(since): \(r.stderr)")
            XCTAssertEqual(try events(r.stdout).count, 1, since)
        }
        let negative = try PosternBinary.run(["audit", "selftest-write", "--path", store, "--count=-1"])
        XCTAssertEqual(negative.status, 1, negative.stderr)
        XCTAssertTrue(negative.stderr.contains("--count and --sessions must be 0 or more"), negative.stderr)
    }

    func testMissingStoreIsAClearError() throws {
        let r = try postern(["audit", "search"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no audit store at \(store)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store), "search must not create the store")
    }

    func testPlayPrintsTheSessionInOrder() throws {
        try fill(sessions: 3, count: 4)
        let sid = try XCTUnwrap(try events(try postern(["audit", "search", "--format", "json", "--user", "writer2"]).stdout)
            .first?.sessionID)
        let r = try postern(["play", "--format", "json", sid])
        XCTAssertEqual(r.status, 0, r.stderr)
        let played = try events(r.stdout)
        XCTAssertEqual(played.map(\.index), [0, 1, 2, 3])
        XCTAssertEqual(Set(played.map(\.sessionID)), [sid])
        XCTAssertTrue(r.stdout.hasPrefix("[\n"), "a JSON array, as tsh play prints")
        // Stored JSON laid out directly: the same bytes as encoding the events again.
        let reencoded = String(decoding: try AuditJSON.encoder(pretty: true).encode(played), as: UTF8.self)
        XCTAssertEqual(r.stdout, AuditJSON.terminalSafe(reencoded) + "\n")

        let missing = try postern(["play", "--format", "json", "no-such-sid"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("session no-such-sid not found"), missing.stderr)
    }

    func testTailFollowsNewEvents() throws {
        try fill(sessions: 1, count: 1) // the store exists; tail shows only what comes after it starts
        let out = Pipe()
        let tail = try PosternBinary.start(["audit", "tail", "--format", "json", "--user", "writer0", "--config", config],
                                           stdout: out)
        defer { if tail.isRunning { tail.terminate() } }
        let reader = LineReader(out)
        // Keep writing until tail shows events: no sleep-as-sync, and the subscription's start is unknowable.
        let writer = Thread { [store] in
            for _ in 0..<200 {
                guard tail.isRunning else { return }
                _ = try? PosternBinary.run(["audit", "selftest-write", "--path", store, "--sessions", "2", "--count", "2"])
            }
        }
        writer.start()
        var got: [AuditEvent] = []
        while got.count < 4, let lines = reader.nextLines() {
            got += try lines.map { try AuditEvent.decode(json: Data($0.utf8)) }
        }
        XCTAssertGreaterThanOrEqual(got.count, 4)
        XCTAssertTrue(got.allSatisfy { $0.user == "writer0" }, "--user filters the live stream")
        tail.terminate()
        tail.waitUntilExit()
    }
}

import CLibPQ
import Foundation
import PosternCore
import XCTest
@testable import PosternProxy

/// libpq's PQfn through a tunnel: a real client's FunctionCall (one binary format code for all its
/// arguments, a binary result), answered and audited like the raw client's.
final class PGLibpqFunctionTunnelTests: XCTestCase {
    func testPQfnCallsAreAnsweredAndAuditedWithBinaryArguments() async throws {
        let live = try await StoredSessionHarness()
        let conninfo = live.tunnel.conninfo() + " password=\(live.tunnel.password) application_name=pqfn-test"
        guard let conn = PQconnectdb(conninfo) else { throw HarnessError("libpq is out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            defer { PQfinish(conn) }
            throw HarnessError("libpq through the tunnel: \(String(cString: PQerrorMessage(conn)))")
        }
        let oids = try lookUpOIDs(conn)
        let int4pl = oids[0], md5 = oids[1], quoteNullable = oids[2]

        // Integers by value (isint): libpq sends them as 4-byte binary.
        XCTAssertEqual(try call(conn, int4pl, [.int(40), .int(2)], resultIsInt: true), be32(42))
        // Text by reference: binary text is its UTF-8 bytes.
        XCTAssertEqual(try call(conn, md5, [.bytes(Array("postern ü".utf8))]),
                       Array("efa69264a9f123387ddddbdd0110a95a".utf8))
        // NULL is length -1; quote_nullable is not strict, so its answer shows the server saw NULL.
        XCTAssertEqual(try call(conn, quoteNullable, [.null]), Array("NULL".utf8))
        PQfinish(conn)

        let function = { (oid: UInt32, args: [String]) in
            StoredSessionHarness.Expected.event(.postgresFunction(.init(functionOID: oid, functionArgs: args)))
        }
        try live.checkSession([
            .start,
            .event(.query(.init(query: PGCloseFunctionTunnelTests.oidQuery))),
            .result(answering: 1, tag: "SELECT 1", rows: 1),
            function(int4pl, ["AAAAKA==", "AAAAAg=="]), .result(answering: 3),
            function(md5, ["cG9zdGVybiDDvA=="]), .result(answering: 5),
            function(quoteNullable, [""]), .result(answering: 7),
            .end,
        ])
        await live.shutdown()
    }

    enum Argument {
        case int(Int32)
        case bytes([UInt8])
        case null
    }

    /// PQfn; the result's bytes (an integer result as libpq returns it, big-endian here for comparing).
    private func call(_ conn: OpaquePointer, _ oid: UInt32, _ arguments: [Argument], resultIsInt: Bool = false) throws -> [UInt8] {
        // Every argument's bytes stay alive (and in place) until PQfn returns.
        let storage = arguments.map { argument -> UnsafeMutableBufferPointer<UInt8> in
            guard case .bytes(let bytes) = argument else { return UnsafeMutableBufferPointer(start: nil, count: 0) }
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
            _ = buffer.initialize(from: bytes)
            return buffer
        }
        defer { for buffer in storage { buffer.deallocate() } }
        var blocks = zip(arguments, storage).map { argument, buffer -> PQArgBlock in
            switch argument {
            case .int(let v): return PQArgBlock(len: 4, isint: 1, u: .init(integer: v))
            case .null: return PQArgBlock(len: -1, isint: 0, u: .init(integer: 0))
            case .bytes(let bytes):
                let pointer = UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: Int32.self)
                return PQArgBlock(len: Int32(bytes.count), isint: 0, u: .init(ptr: pointer))
            }
        }
        var out = [Int32](repeating: 0, count: 64)
        var length: Int32 = 0
        let result = PQfn(conn, Int32(bitPattern: oid), &out, &length, resultIsInt ? 1 : 0, &blocks, Int32(blocks.count))
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw HarnessError("PQfn \(oid): \(String(cString: PQresultErrorMessage(result)))")
        }
        if resultIsInt { return be32(out[0]) }
        return out.withUnsafeBytes { Array($0.prefix(Int(max(length, 0)))) }
    }

    private func lookUpOIDs(_ conn: OpaquePointer) throws -> [UInt32] {
        let result = PQexec(conn, PGCloseFunctionTunnelTests.oidQuery)
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK, PQntuples(result) == 1, PQnfields(result) == 3 else {
            throw HarnessError("no OIDs: \(String(cString: PQresultErrorMessage(result)))")
        }
        return (0..<3).compactMap { UInt32(String(cString: PQgetvalue(result, 0, $0))) }
    }
}

import Foundation
import XCTest

@testable import PosternAWS

final class IAMAuthTokensTests: XCTestCase {
    let credentials = AWSCredentials(
        accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    let date = Date(timeIntervalSince1970: 1_773_480_413)

    /// Port 443 stays in the token text but is not signed; any other port is both.
    func testPort443IsInTheTokenButNotSigned() throws {
        let on443 = try IAMAuthTokens.rds(
            host: "db.example.com", port: 443, dbUser: "alice", region: "us-east-1", credentials: credentials,
            date: date)
        let on5432 = try IAMAuthTokens.rds(
            host: "db.example.com", port: 5432, dbUser: "alice", region: "us-east-1", credentials: credentials,
            date: date)
        XCTAssertTrue(on443.value.hasPrefix("db.example.com:443/?Action=connect&DBUser=alice&"))
        XCTAssertTrue(on5432.value.hasPrefix("db.example.com:5432/?Action=connect&DBUser=alice&"))

        let signer = try SigV4Signer(credentials: credentials, region: "us-east-1", service: "rds-db")
        let query = [AWSQueryItem("Action", "connect"), AWSQueryItem("DBUser", "alice")]
        let without = try signer.presigning(
            SigV4Request(method: "GET", host: "db.example.com", query: query), expiresIn: 900, date: date)
        XCTAssertTrue(on443.value.hasSuffix("X-Amz-Signature=\(without.signature)"))
        XCTAssertTrue(without.canonicalRequest.contains("\nhost:db.example.com\n"))
    }

    func testTokenTimes() throws {
        let token = try IAMAuthTokens.dsql(
            host: "abc.dsql.us-east-1.on.aws", action: .dbConnectAdmin, region: "us-east-1",
            credentials: credentials, date: date.addingTimeInterval(0.9))
        XCTAssertEqual(token.issuedAt, date)
        XCTAssertEqual(token.expiresAt, date.addingTimeInterval(900))
        XCTAssertFalse(token.isExpired(at: date.addingTimeInterval(899)))
        XCTAssertTrue(token.isExpired(at: date.addingTimeInterval(900)))
        XCTAssertTrue(token.isExpired(at: date.addingTimeInterval(800), margin: 120))
        XCTAssertTrue(token.value.contains("X-Amz-Expires=900&"))
    }

    func testServerlessElastiCacheAddsResourceType() throws {
        let token = try IAMAuthTokens.elastiCache(
            cacheName: "my-cache", userId: "app", region: "eu-west-2", serverless: true, credentials: credentials,
            date: date)
        XCTAssertTrue(
            token.value.hasPrefix("my-cache/?Action=connect&User=app&ResourceType=ServerlessCache&X-Amz-Algorithm="))
        XCTAssertTrue(token.value.contains("%2Feu-west-2%2Felasticache%2Faws4_request"))
    }

    func testHostsThatWouldChangeTheSignedTargetAreRefused() {
        for host in ["", "db:5432", "db/x", "user@db", "db name", "db?x", "db#x", "[::1", "[]", "db\n"] {
            XCTAssertThrowsError(
                try IAMAuthTokens.memoryDB(
                    clusterName: host, userId: "u", region: "us-east-1", credentials: credentials, date: date),
                host
            ) { error in
                XCTAssertEqual(error as? AWSSigningError, .invalidHost(host))
            }
        }
        for host in ["db.example.com", "My-Cluster_01", "10.0.0.1", "[::1]", "[fe80::1]"] {
            XCTAssertNoThrow(
                try IAMAuthTokens.memoryDB(
                    clusterName: host, userId: "u", region: "us-east-1", credentials: credentials, date: date),
                host)
        }
    }

    func testOtherInvalidInputs() {
        XCTAssertThrowsError(
            try IAMAuthTokens.rds(
                host: "db", port: 65_536, dbUser: "u", region: "us-east-1", credentials: credentials, date: date)
        ) { XCTAssertEqual($0 as? AWSSigningError, .invalidPort(65_536)) }
        XCTAssertThrowsError(
            try IAMAuthTokens.rds(
                host: "db", port: 5432, dbUser: "", region: "us-east-1", credentials: credentials, date: date)
        ) { XCTAssertEqual($0 as? AWSSigningError, .missingUser) }
        XCTAssertThrowsError(
            try IAMAuthTokens.elastiCache(
                cacheName: "c", userId: "u", region: "us-east-1/x", credentials: credentials, date: date)
        ) { XCTAssertEqual($0 as? AWSSigningError, .invalidRegion("us-east-1/x")) }
    }
}

import Foundation
import XCTest

@testable import PosternAWS

/// Every token in Fixtures/iam-auth-tokens.json, as botocore 1.43.11 generated it, must come
/// out of IAMAuthTokens byte for byte.
final class IAMAuthTokenVectorTests: XCTestCase {
    func testEveryTokenMatchesBotocore() throws {
        let file = try FixtureFile<TokenVector>.load("iam-auth-tokens")
        var kinds: [String: Int] = [:]
        for vector in file.vectors {
            let token = try makeToken(vector)
            XCTAssertEqual(
                token.value, vector.token,
                "\(vector.name): expected canonical request was\n\(vector.canonicalRequest)")
            XCTAssertEqual(AMZDate(vector.date).dateTime, vector.amzDate, vector.name)
            XCTAssertEqual(token.expiresAt.timeIntervalSince(token.issuedAt), 900, vector.name)
            XCTAssertEqual(
                token.issuedAt.timeIntervalSince1970, vector.epochSeconds.rounded(.down), vector.name)
            kinds[vector.kind, default: 0] += 1
        }
        // Guard against a fixture that silently lost its vectors.
        for kind in ["rds", "dsql", "dsql-admin", "elasticache", "elasticache-serverless", "memorydb"] {
            XCTAssertGreaterThanOrEqual(kinds[kind, default: 0], 4, kind)
        }
        XCTAssertEqual(file.vectors.count, kinds.values.reduce(0, +))
    }

    /// The token's own query must hash to the canonical request botocore signed.
    func testCanonicalRequestsMatchBotocore() throws {
        for vector in try FixtureFile<TokenVector>.load("iam-auth-tokens").vectors {
            let service = try XCTUnwrap(vector.stringToSign.split(separator: "\n").dropFirst(2).first)
                .split(separator: "/")[2]
            let signer = try SigV4Signer(
                credentials: vector.credentials.credentials, region: vector.region, service: String(service))
            let signing = try signer.presigning(requestFor(vector), expiresIn: 900, date: vector.date)
            XCTAssertEqual(signing.canonicalRequest, vector.canonicalRequest, vector.name)
            XCTAssertEqual(signing.stringToSign, vector.stringToSign, vector.name)
        }
    }

    func testSessionTokenIsSignedAndPlacedBeforeTheSignature() throws {
        let vectors = try FixtureFile<TokenVector>.load("iam-auth-tokens").vectors
        let withToken = vectors.filter { $0.credentials.sessionToken != nil }
        XCTAssertFalse(withToken.isEmpty)
        for vector in withToken {
            let token = try makeToken(vector).value
            let names = token.split(separator: "?")[1].split(separator: "&").map { $0.split(separator: "=")[0] }
            XCTAssertEqual(names.suffix(2), ["X-Amz-Security-Token", "X-Amz-Signature"], vector.name)
            XCTAssertTrue(vector.canonicalRequest.contains("X-Amz-Security-Token="), vector.name)
        }
    }

    private func makeToken(_ vector: TokenVector) throws -> IAMAuthToken {
        let credentials = vector.credentials.credentials
        switch vector.kind {
        case "rds":
            return try IAMAuthTokens.rds(
                host: vector.host, port: XCTUnwrap(vector.port), dbUser: XCTUnwrap(vector.user),
                region: vector.region, credentials: credentials, date: vector.date)
        case "dsql", "dsql-admin":
            return try IAMAuthTokens.dsql(
                host: vector.host, action: vector.kind == "dsql" ? .dbConnect : .dbConnectAdmin,
                region: vector.region, credentials: credentials, date: vector.date)
        case "elasticache", "elasticache-serverless":
            return try IAMAuthTokens.elastiCache(
                cacheName: vector.host, userId: XCTUnwrap(vector.user), region: vector.region,
                serverless: vector.kind == "elasticache-serverless", credentials: credentials, date: vector.date)
        case "memorydb":
            return try IAMAuthTokens.memoryDB(
                clusterName: vector.host, userId: XCTUnwrap(vector.user), region: vector.region,
                credentials: credentials, date: vector.date)
        default:
            // An error, not a skip: a skip would pass over every vector of the file.
            throw UnknownKind(kind: vector.kind, vector: vector.name)
        }
    }

    struct UnknownKind: Error, CustomStringConvertible {
        let kind: String
        let vector: String
        var description: String { "vector \(vector): unknown token kind \(kind)" }
    }

    /// A vector of a kind this test does not know fails the test run instead of skipping it.
    func testAnUnknownKindFails() throws {
        let known = try XCTUnwrap(try FixtureFile<TokenVector>.load("iam-auth-tokens").vectors.first)
        let unknown = TokenVector(name: "new", kind: "neptune", host: known.host, port: known.port, user: known.user,
                                  region: known.region, credentials: known.credentials, epochSeconds: known.epochSeconds,
                                  amzDate: known.amzDate, canonicalRequest: known.canonicalRequest,
                                  stringToSign: known.stringToSign, token: known.token)
        XCTAssertThrowsError(try makeToken(unknown)) { error in
            XCTAssertFalse(error is XCTSkip, "a skip would hide every vector")
            XCTAssertEqual("\(error)", "vector new: unknown token kind neptune")
        }
    }

    /// The request each kind presigns, rebuilt independently of IAMAuthTokens.
    private func requestFor(_ vector: TokenVector) -> SigV4Request {
        var query: [AWSQueryItem]
        switch vector.kind {
        case "rds": query = [AWSQueryItem("Action", "connect"), AWSQueryItem("DBUser", vector.user ?? "")]
        case "dsql": query = [AWSQueryItem("Action", "DbConnect")]
        case "dsql-admin": query = [AWSQueryItem("Action", "DbConnectAdmin")]
        default: query = [AWSQueryItem("Action", "connect"), AWSQueryItem("User", vector.user ?? "")]
        }
        if vector.kind == "elasticache-serverless" {
            query.append(AWSQueryItem("ResourceType", "ServerlessCache"))
        }
        return SigV4Request(method: "GET", host: vector.host, port: vector.port, query: query)
    }
}

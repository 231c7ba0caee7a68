import Foundation
import XCTest

@testable import PosternAWS

/// Header-signed and presigned requests, compared with botocore's SigV4Auth / SigV4QueryAuth
/// output in Fixtures/sigv4-header-signing.json and Fixtures/sigv4-presign.json.
final class SigV4VectorTests: XCTestCase {
    func testHeaderSigningMatchesBotocore() throws {
        let file = try FixtureFile<RequestVector>.load("sigv4-header-signing")
        XCTAssertGreaterThanOrEqual(file.vectors.count, 8)
        for vector in file.vectors {
            try assertHeaderSigning(vector)
        }
    }

    func testPresigningMatchesBotocore() throws {
        let file = try FixtureFile<RequestVector>.load("sigv4-presign")
        XCTAssertGreaterThanOrEqual(file.vectors.count, 4)
        for vector in file.vectors {
            let expiresIn = try XCTUnwrap(vector.expiresIn, vector.name)
            let signing = try vector.signer().presigning(vector.request.request, expiresIn: expiresIn, date: vector.date)
            XCTAssertEqual(signing.canonicalRequest, vector.expected.canonicalRequest, vector.name)
            XCTAssertEqual(signing.stringToSign, vector.expected.stringToSign, vector.name)
            XCTAssertEqual(signing.signature, vector.expected.signature, vector.name)
            XCTAssertEqual(signing.request.url, vector.expected.url, vector.name)
            XCTAssertEqual(signing.request.headers.pairs, vector.expected.headers, vector.name)
            // The public entry point gives the same URL.
            let presigned = try vector.signer().presign(vector.request.request, expiresIn: expiresIn, date: vector.date)
            XCTAssertEqual(presigned.url, vector.expected.url, vector.name)
        }
    }

    func testStsVectorsCoverSessionTokens() throws {
        let vectors = try FixtureFile<RequestVector>.load("sigv4-header-signing").vectors
        let sts = vectors.filter { $0.service == "sts" }
        XCTAssertTrue(sts.contains { $0.credentials.sessionToken != nil && $0.request.body.contains("AssumeRole") })
        XCTAssertTrue(sts.contains { $0.credentials.sessionToken == nil && $0.request.body.contains("AssumeRole") })
        for vector in sts where vector.credentials.sessionToken != nil {
            XCTAssertEqual(vector.expected.signedHeaders, "content-type;host;x-amz-date;x-amz-security-token")
        }
    }

    /// Signing an already signed request (a retry) replaces the auth headers, never duplicates.
    func testResigningReplacesAuthHeaders() throws {
        let vector = try XCTUnwrap(
            FixtureFile<RequestVector>.load("sigv4-header-signing").vectors.first {
                $0.credentials.sessionToken != nil
            })
        let signer = try vector.signer()
        let once = signer.signHeaders(vector.request.request, date: vector.date.addingTimeInterval(-3600))
        let twice = signer.signHeaders(once, date: vector.date)
        XCTAssertEqual(twice.headers.pairs, vector.expected.headers)
    }

    private func assertHeaderSigning(_ vector: RequestVector, file: StaticString = #filePath, line: UInt = #line) throws {
        let signing = try vector.signer().headerSigning(vector.request.request, date: vector.date)
        XCTAssertEqual(signing.canonicalRequest, vector.expected.canonicalRequest, vector.name, file: file, line: line)
        XCTAssertEqual(signing.stringToSign, vector.expected.stringToSign, vector.name, file: file, line: line)
        XCTAssertEqual(signing.signature, vector.expected.signature, vector.name, file: file, line: line)
        XCTAssertEqual(signing.signedHeaders, vector.expected.signedHeaders, vector.name, file: file, line: line)
        XCTAssertEqual(signing.request.headers.pairs, vector.expected.headers, vector.name, file: file, line: line)
        let signed = try vector.signer().signHeaders(vector.request.request, date: vector.date)
        XCTAssertEqual(signed.header("Authorization"), vector.expected.authorization, vector.name, file: file, line: line)
    }
}

/// AWS's published SigV4 examples (Fixtures/sigv4-published-examples.json; the generator
/// asserts botocore reproduces them before writing the file):
/// - the SigV4 test suite's get-vanilla, get-vanilla-query-order-key-case and post-vanilla
///   (AKIDEXAMPLE, service `service`, us-east-1, 20150830T123600Z);
/// - the IAM `GET ?Action=ListUsers&Version=2010-05-08` walkthrough from AWS's signing guide,
///   signature 5d672d79…b5d7, canonical request hash f536975d…1a59, signing key c4afb1cc…a4b9.
final class SigV4PublishedExampleTests: XCTestCase {
    func testPublishedExamples() throws {
        let file = try FixtureFile<RequestVector>.load("sigv4-published-examples")
        XCTAssertEqual(
            Set(file.vectors.map(\.name)),
            ["get-vanilla", "get-vanilla-query-order-key-case", "post-vanilla", "iam-listusers"])
        for vector in file.vectors {
            let published = try XCTUnwrap(vector.published, vector.name)
            let signing = try vector.signer().headerSigning(vector.request.request, date: vector.date)
            XCTAssertEqual(signing.signature, published.signature, vector.name)
            XCTAssertEqual(signing.canonicalRequest, vector.expected.canonicalRequest, vector.name)
            XCTAssertEqual(signing.request.headers.pairs, vector.expected.headers, vector.name)
            if let hash = published.canonicalRequestSha256 {
                XCTAssertEqual(SigV4Digest.sha256Hex(signing.canonicalRequest), hash, vector.name)
            }
            if let key = published.signingKey {
                let derived = SigV4Digest.signingKey(
                    secretAccessKey: vector.credentials.secretAccessKey, date: "20150830", region: vector.region,
                    service: vector.service)
                XCTAssertEqual(SigV4Digest.hex(derived), key, vector.name)
            }
        }
    }

    /// The IAM example spelled out in code, independent of the fixture file.
    func testIAMListUsersExampleInline() throws {
        let credentials = AWSCredentials(
            accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        let signer = try SigV4Signer(credentials: credentials, region: "us-east-1", service: "iam")
        let request = SigV4Request(
            method: "GET", host: "iam.amazonaws.com",
            query: [AWSQueryItem("Action", "ListUsers"), AWSQueryItem("Version", "2010-05-08")],
            headers: [AWSHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
        let signed = signer.signHeaders(request, date: Date(timeIntervalSince1970: 1_440_938_160))
        XCTAssertEqual(
            signed.header("Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date, "
                + "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
        XCTAssertEqual(signed.header("X-Amz-Date"), "20150830T123600Z")
    }
}

import Foundation
import XCTest

@testable import PosternAWS

/// Secrets must never reach logs or error text: every printed form of credentials, tokens,
/// signed requests, signers and errors is checked for the secret key and session token.
final class SecretRedactionTests: XCTestCase {
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    let sessionToken = "IQoJb3JpZ2luX2VjEAoaCXVzLWVhc3QtMSJH/secret+token=="

    var credentials: AWSCredentials {
        AWSCredentials(
            accessKeyId: "AKIDEXAMPLE", secretAccessKey: secret, sessionToken: sessionToken,
            expiration: Date(timeIntervalSince1970: 1_773_480_413))
    }

    /// Every way a value commonly ends up in a log line.
    func renderings(_ value: some Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [
            String(describing: value), String(reflecting: value), "\(value)", dumped,
            Mirror(reflecting: value).children.map { "\($0.label ?? ""): \($0.value)" }.joined(separator: ", "),
        ]
    }

    func assertNoSecrets(
        _ texts: [String], _ secrets: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        for text in texts {
            for secret in secrets {
                XCTAssertFalse(text.contains(secret), "leaked in: \(text)", file: file, line: line)
            }
            // The URL-encoded form of the token is just as much a leak.
            for secret in secrets {
                XCTAssertFalse(text.contains(AWSURIEncoding.encode(secret)), "leaked in: \(text)", file: file, line: line)
            }
        }
    }

    func testCredentialsNeverPrintTheSecretOrToken() {
        let texts = renderings(credentials)
        assertNoSecrets(texts, [secret, sessionToken])
        XCTAssertTrue(texts[0].contains("AKIDEXAMPLE"), "the key id is not secret and helps debugging")
        XCTAssertTrue(texts[0].contains("<redacted>"))
        XCTAssertTrue(texts[0].contains("2026-03-14T09:26:53Z"))
        // Inside a collection the element's debugDescription is used.
        assertNoSecrets(renderings([credentials]), [secret, sessionToken])
        assertNoSecrets(renderings(Optional(credentials)), [secret, sessionToken])
    }

    func testLongLivedCredentialsSayTheyHaveNoToken() {
        let text = "\(AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: secret))"
        XCTAssertFalse(text.contains(secret))
        XCTAssertTrue(text.contains("sessionToken: nil"))
    }

    func testSignerDescriptionHidesCredentials() throws {
        let signer = try SigV4Signer(credentials: credentials, region: "eu-west-2", service: "sts")
        assertNoSecrets(renderings(signer), [secret, sessionToken])
    }

    func testIAMAuthTokenNeverPrintsItsValue() throws {
        let token = try IAMAuthTokens.rds(
            host: "db.example.eu-west-2.rds.amazonaws.com", port: 5432, dbUser: "alice", region: "eu-west-2",
            credentials: credentials, date: Date(timeIntervalSince1970: 1_773_480_413))
        let signature = try XCTUnwrap(token.value.components(separatedBy: "X-Amz-Signature=").last)
        assertNoSecrets(renderings(token), [secret, sessionToken, signature, token.value])
        XCTAssertEqual(
            "\(token)",
            "IAMAuthToken(for: db.example.eu-west-2.rds.amazonaws.com:5432, expiresAt: 2026-03-14T09:41:53Z, "
                + "value: <redacted>)")
        // The value itself does carry the (encoded) session token: that is the point of it.
        XCTAssertTrue(token.value.contains(AWSURIEncoding.encode(sessionToken)))
    }

    func testSignedRequestsHideAuthorizationTokenAndSignature() throws {
        let signer = try SigV4Signer(credentials: credentials, region: "us-east-1", service: "sts")
        let request = SigV4Request(
            method: "POST", host: "sts.amazonaws.com",
            headers: [AWSHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: Array("Action=GetCallerIdentity&Version=2011-06-15".utf8))
        let date = Date(timeIntervalSince1970: 1_773_480_413)
        let signed = signer.signHeaders(request, date: date)
        let authorization = try XCTUnwrap(signed.header("Authorization"))
        let signature = try XCTUnwrap(authorization.components(separatedBy: "Signature=").last)
        assertNoSecrets(renderings(signed), [secret, sessionToken, signature])

        let presigned = try signer.presign(request, expiresIn: 60, date: date)
        let presignedSignature = try XCTUnwrap(presigned.query.last?.value)
        assertNoSecrets(renderings(presigned), [secret, sessionToken, presignedSignature])
        XCTAssertTrue("\(presigned)".contains("X-Amz-Credential=AKIDEXAMPLE"))
    }

    func testErrorsNeverCarrySecrets() {
        var errors: [Error] = []
        func collect(_ body: () throws -> Void) {
            do { try body() } catch { errors.append(error) }
        }
        let date = Date(timeIntervalSince1970: 1_773_480_413)
        collect { _ = try SigV4Signer(credentials: self.credentials, region: "", service: "sts") }
        collect { _ = try SigV4Signer(credentials: self.credentials, region: "us-east-1", service: "s t/s") }
        collect {
            var broken = self.credentials
            broken.accessKeyId = ""
            _ = try SigV4Signer(credentials: broken, region: "us-east-1", service: "sts")
        }
        collect {
            var broken = self.credentials
            broken.secretAccessKey = ""
            _ = try SigV4Signer(credentials: broken, region: "us-east-1", service: "sts")
        }
        collect {
            let signer = try SigV4Signer(credentials: self.credentials, region: "us-east-1", service: "sts")
            _ = try signer.presign(SigV4Request(method: "GET", host: "h"), expiresIn: 0, date: date)
        }
        collect {
            _ = try IAMAuthTokens.rds(
                host: "db:5432", port: 5432, dbUser: "u", region: "us-east-1", credentials: self.credentials, date: date)
        }
        collect {
            _ = try IAMAuthTokens.rds(
                host: "db", port: 0, dbUser: "u", region: "us-east-1", credentials: self.credentials, date: date)
        }
        collect {
            _ = try IAMAuthTokens.memoryDB(
                clusterName: "c", userId: "", region: "us-east-1", credentials: self.credentials, date: date)
        }
        XCTAssertEqual(errors.count, 8)
        for error in errors {
            assertNoSecrets(renderings(error) + [error.localizedDescription], [secret, sessionToken])
            XCTAssertFalse(error.localizedDescription.isEmpty)
        }
        XCTAssertEqual(
            errors.map { $0 as? AWSSigningError },
            [
                .invalidRegion(""), .invalidService("s t/s"), .missingAccessKeyId, .missingSecretAccessKey,
                .invalidExpiry(seconds: 0), .invalidHost("db:5432"), .invalidPort(0), .missingUser,
            ])
    }
}

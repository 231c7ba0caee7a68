import Foundation
import XCTest

@testable import PosternAWS

final class AWSServiceClientTests: XCTestCase {
    let credentials = AWSCredentials(
        accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        sessionToken: "FwoGZXIvYXdzEBYaDH/session+token==")

    func client(_ transport: RecordingTransport, service: AWSService = .sts) -> AWSServiceClient {
        var client = AWSServiceClient(
            service: service, region: "us-east-1",
            endpoint: AWSServiceEndpoint(scheme: "http", host: "127.0.0.1", port: 50505),
            credentials: StaticCredentialsProvider(credentials), transport: transport)
        client.maxAttempts = 1
        return client
    }

    func testEndpointOverridesInSDKOrder() throws {
        let env = [
            "AWS_ENDPOINT_URL": "http://127.0.0.1:1000",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://localhost:2000/base",
        ]
        let endpoints = AWSEndpoints(environment: env)
        XCTAssertEqual(try endpoints.endpoint(for: .secretsManager, region: "eu-west-1").url, "http://localhost:2000/base")
        XCTAssertEqual(try endpoints.endpoint(for: .sts, region: "eu-west-1").url, "http://127.0.0.1:1000/")
        XCTAssertEqual(AWSService.redshiftServerless.environmentSuffix, "REDSHIFT_SERVERLESS")
        XCTAssertEqual(AWSService.elastiCache.environmentSuffix, "ELASTICACHE")
        XCTAssertEqual(AWSService.memoryDB.environmentSuffix, "MEMORYDB")
        let none = AWSEndpoints(environment: [:])
        XCTAssertEqual(try none.endpoint(for: .sts, region: "eu-west-1").url, "https://sts.eu-west-1.amazonaws.com/")
        XCTAssertEqual(try none.endpoint(for: .memoryDB, region: "us-east-1").url, "https://memory-db.us-east-1.amazonaws.com/")
        XCTAssertEqual(try none.endpoint(for: .rds, region: "cn-north-1").url, "https://rds.cn-north-1.amazonaws.com.cn/")
        let ignored = AWSEndpoints(environment: env.merging(["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]) { $1 })
        XCTAssertEqual(try ignored.endpoint(for: .sts, region: "us-east-1").host, "sts.us-east-1.amazonaws.com")
        XCTAssertThrowsError(
            try AWSEndpoints(environment: ["AWS_ENDPOINT_URL_STS": "ftp://x"]).endpoint(for: .sts, region: "us-east-1"))
    }

    func testQueryRequestIsAFormPOSTSignedForTheService() async throws {
        let transport = RecordingTransport(
            body: """
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/x</Arn>
                  <UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult>
                  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
                </GetCallerIdentityResponse>
                """)
        struct Identity: Decodable { var Arn: String; var Account: String }
        let identity = try await client(transport).query(
            action: "GetCallerIdentity", version: "2011-06-15",
            parameters: [AWSQueryItem("Note", "a b/c")], result: Identity.self)
        XCTAssertEqual(identity.Arn, "arn:aws:iam::123456789012:user/x")
        XCTAssertEqual(identity.Account, "123456789012")
        let sent = try XCTUnwrap(transport.sent.first)
        XCTAssertEqual(sent.method, "POST")
        XCTAssertEqual(sent.url, "http://127.0.0.1:50505/")
        XCTAssertEqual(String(decoding: sent.body, as: UTF8.self), "Action=GetCallerIdentity&Version=2011-06-15&Note=a%20b%2Fc")
        XCTAssertEqual(sent.header("content-type"), "application/x-www-form-urlencoded; charset=utf-8")
        let authorization = try XCTUnwrap(sent.header("authorization"))
        XCTAssertTrue(authorization.contains("/us-east-1/sts/aws4_request"), authorization)
        XCTAssertTrue(authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"))
        XCTAssertEqual(sent.header("x-amz-security-token"), credentials.sessionToken)
    }

    func testJSONRequestCarriesTargetAndErrorType() async throws {
        let transport = RecordingTransport(
            status: 400,
            body: #"{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#,
            headers: [AWSHeader("x-amzn-RequestId", "req-9")])
        do {
            _ = try await client(transport, service: .secretsManager)
                .json(target: "secretsmanager.GetSecretValue", body: Array(#"{"SecretId":"x"}"#.utf8))
            XCTFail("expected an error")
        } catch let error as AWSServiceError {
            XCTAssertEqual(error.code, "ResourceNotFoundException")
            XCTAssertEqual(error.action, "GetSecretValue")
            XCTAssertEqual(error.service, "Secrets Manager")
            XCTAssertEqual(error.requestID, "req-9")
            XCTAssertEqual(error.statusCode, 400)
        }
        let sent = try XCTUnwrap(transport.sent.first)
        XCTAssertEqual(sent.header("x-amz-target"), "secretsmanager.GetSecretValue")
        XCTAssertEqual(sent.header("content-type"), "application/x-amz-json-1.1")
        XCTAssertTrue(try XCTUnwrap(sent.header("authorization")).contains("/secretsmanager/aws4_request"))
    }

    func testBothXMLErrorShapesAndSecretScrubbing() async throws {
        let token = try XCTUnwrap(credentials.sessionToken)
        let shapes = [
            """
            <ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>
            <Message>The request signature we calculated does not match. The Canonical String for this request should have been 'POST / x-amz-security-token:\(token)'</Message>
            </Error><RequestId>abc</RequestId></ErrorResponse>
            """,
            """
            <Response><Errors><Error><Code>SignatureDoesNotMatch</Code>
            <Message>bad signature for \(credentials.secretAccessKey)</Message></Error></Errors>
            <RequestID>abc</RequestID></Response>
            """,
        ]
        for body in shapes {
            do {
                _ = try await client(RecordingTransport(status: 403, body: body))
                    .query(action: "GetCallerIdentity", version: "2011-06-15")
                XCTFail("expected an error")
            } catch let error as AWSServiceError {
                XCTAssertEqual(error.code, "SignatureDoesNotMatch")
                XCTAssertEqual(error.requestID, "abc")
                XCTAssertEqual(error.statusCode, 403)
                XCTAssertTrue(error.description.contains("secret access key"), error.description)
                XCTAssertFalse(error.description.contains(token), error.description)
                XCTAssertFalse(error.description.contains(credentials.secretAccessKey), error.description)
            }
        }
    }

    func testNonAWSErrorBodyAndRetryOfServerErrors() async throws {
        let transport = RecordingTransport([
            AWSHTTPResponse(status: 503, body: Array("<html><body>Service Unavailable</body></html>".utf8)),
            AWSHTTPResponse(status: 200, body: Array("<X><XResult></XResult></X>".utf8)),
        ])
        var retrying = client(transport)
        retrying.maxAttempts = 3
        _ = try await retrying.query(action: "X", version: "1")
        XCTAssertEqual(transport.sent.count, 2)

        do {
            _ = try await client(RecordingTransport(status: 500, body: "<html>Internal Server Error</html>"))
                .query(action: "CreateUserGroup", version: "2015-02-02")
            XCTFail("expected an error")
        } catch let error as AWSServiceError {
            XCTAssertEqual(error.code, "HTTP500")
            XCTAssertTrue(error.message.contains("Internal Server Error"), error.message)
        }
    }
}

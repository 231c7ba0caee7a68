import Foundation
import XCTest

@testable import PosternAWS

/// The JSON written by scripts/gen-aws-vectors.py from botocore.
struct FixtureFile<Vector: Decodable>: Decodable {
    let generator: String
    let botocore: String
    let kind: String
    let vectors: [Vector]

    static func load(_ name: String) throws -> FixtureFile<Vector> {
        let url = try XCTUnwrap(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
            "missing fixture \(name).json")
        return try JSONDecoder().decode(Self.self, from: Data(contentsOf: url))
    }
}

struct CredentialsFixture: Decodable {
    let accessKeyId: String
    let secretAccessKey: String
    let sessionToken: String?

    var credentials: AWSCredentials {
        AWSCredentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }
}

struct TokenVector: Decodable {
    let name: String
    let kind: String
    let host: String
    let port: Int?
    let user: String?
    let region: String
    let credentials: CredentialsFixture
    let epochSeconds: Double
    let amzDate: String
    let canonicalRequest: String
    let stringToSign: String
    let token: String

    var date: Date { Date(timeIntervalSince1970: epochSeconds) }
}

struct RequestFixture: Decodable {
    let method: String
    let scheme: String
    let host: String
    let port: Int?
    let path: String
    let query: [[String]]
    let headers: [[String]]
    let body: String

    var request: SigV4Request {
        SigV4Request(
            method: method, scheme: scheme, host: host, port: port, path: path,
            query: query.map { AWSQueryItem($0[0], $0[1]) },
            headers: headers.map { AWSHeader($0[0], $0[1]) },
            body: Array(body.utf8))
    }
}

struct ExpectedSigning: Decodable {
    let canonicalRequest: String
    let stringToSign: String
    let signature: String
    let signedHeaders: String?
    let authorization: String?
    let url: String?
    let headers: [[String]]
}

struct PublishedValues: Decodable {
    let signature: String
    let canonicalRequestSha256: String?
    let signingKey: String?
}

struct RequestVector: Decodable {
    let name: String
    let source: String?
    let service: String
    let region: String
    let expiresIn: Int?
    let credentials: CredentialsFixture
    let epochSeconds: Double
    let amzDate: String
    let request: RequestFixture
    let published: PublishedValues?
    let expected: ExpectedSigning

    var date: Date { Date(timeIntervalSince1970: epochSeconds) }

    func signer() throws -> SigV4Signer {
        try SigV4Signer(credentials: credentials.credentials, region: region, service: service)
    }
}

extension [AWSHeader] {
    var pairs: [[String]] { map { [$0.name, $0.value] } }
}

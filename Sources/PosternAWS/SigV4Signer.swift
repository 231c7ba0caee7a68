import Foundation

/// AWS Signature Version 4 for one credential set, region and service, in both of its forms:
/// an `Authorization` header, or a presigned URL with the signature in the query.
///
/// It reproduces botocore's SigV4Auth / SigV4QueryAuth byte for byte (see
/// Tests/PosternAWSTests/Fixtures). Not for S3, which signs paths without double encoding.
/// The signing date is a parameter so callers and tests control the clock.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The longest a presigned URL may live.
    public static let maximumExpiry = 604_800

    public let credentials: AWSCredentials
    public let region: String
    /// The signing name, e.g. `sts`, `rds-db`, `dsql`, `elasticache`.
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String) throws {
        guard !credentials.accessKeyId.isEmpty else { throw AWSSigningError.missingAccessKeyId }
        guard !credentials.secretAccessKey.isEmpty else { throw AWSSigningError.missingSecretAccessKey }
        guard Self.isScopeComponent(region) else { throw AWSSigningError.invalidRegion(region) }
        guard Self.isScopeComponent(service) else { throw AWSSigningError.invalidService(service) }
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Returns the request with `X-Amz-Date`, `X-Amz-Security-Token` (for temporary
    /// credentials; it is signed) and `Authorization` added. Any earlier values of those headers
    /// are replaced, so a retried request can be signed again.
    ///
    /// The Host header is signed but not added: the HTTP client sends it, and it must equal
    /// `host` (plus `:port` when not the default). An `X-Amz-Content-SHA256` header already on
    /// the request is signed as the payload hash instead of hashing `body`.
    public func signHeaders(_ request: SigV4Request, date: Date = Date()) -> SigV4Request {
        headerSigning(request, date: date).request
    }

    /// Returns the request with the SigV4 query parameters appended after its own:
    /// `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
    /// `X-Amz-SignedHeaders`, `X-Amz-Security-Token` (for temporary credentials; signed) and
    /// finally `X-Amz-Signature`. Its `url` is then the presigned URL.
    public func presign(_ request: SigV4Request, expiresIn: Int, date: Date = Date()) throws -> SigV4Request {
        try presigning(request, expiresIn: expiresIn, date: date).request
    }

    // MARK: - The one signing path both forms share

    /// The intermediate values, for tests and for comparing with an AWS error message.
    /// Internal: with a session token they contain the token.
    struct Signing: Sendable {
        let request: SigV4Request
        let canonicalRequest: String
        let stringToSign: String
        let signedHeaders: String
        let signature: String
    }

    func headerSigning(_ request: SigV4Request, date: Date) -> Signing {
        let stamp = AMZDate(date)
        var prepared = request
        prepared.removeHeader("Authorization")
        prepared.removeHeader("X-Amz-Date")
        prepared.headers.append(AWSHeader("X-Amz-Date", stamp.dateTime))
        if let token = credentials.sessionToken {
            prepared.removeHeader("X-Amz-Security-Token")
            prepared.headers.append(AWSHeader("X-Amz-Security-Token", token))
        }
        let parts = sign(prepared, stamp: stamp)
        prepared.headers.append(
            AWSHeader(
                "Authorization",
                "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope(stamp)), "
                    + "SignedHeaders=\(parts.signedHeaders), Signature=\(parts.signature)"
            )
        )
        return Signing(
            request: prepared, canonicalRequest: parts.canonicalRequest, stringToSign: parts.stringToSign,
            signedHeaders: parts.signedHeaders, signature: parts.signature)
    }

    func presigning(_ request: SigV4Request, expiresIn: Int, date: Date) throws -> Signing {
        guard (1...Self.maximumExpiry).contains(expiresIn) else {
            throw AWSSigningError.invalidExpiry(seconds: expiresIn)
        }
        let stamp = AMZDate(date)
        var prepared = request
        // botocore drops its own default form content type: it means nothing on a URL.
        if prepared.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8" {
            prepared.removeHeader("Content-Type")
        }
        let signedHeaders = SigV4Canonical.headers(of: prepared).map(\.name).joined(separator: ";")
        prepared.query += [
            AWSQueryItem("X-Amz-Algorithm", Self.algorithm),
            AWSQueryItem("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(stamp))"),
            AWSQueryItem("X-Amz-Date", stamp.dateTime),
            AWSQueryItem("X-Amz-Expires", String(expiresIn)),
            AWSQueryItem("X-Amz-SignedHeaders", signedHeaders),
        ]
        if let token = credentials.sessionToken {
            prepared.query.append(AWSQueryItem("X-Amz-Security-Token", token))
        }
        let parts = sign(prepared, stamp: stamp)
        prepared.query.append(AWSQueryItem("X-Amz-Signature", parts.signature))
        return Signing(
            request: prepared, canonicalRequest: parts.canonicalRequest, stringToSign: parts.stringToSign,
            signedHeaders: parts.signedHeaders, signature: parts.signature)
    }

    private func sign(_ request: SigV4Request, stamp: AMZDate)
        -> (canonicalRequest: String, stringToSign: String, signedHeaders: String, signature: String)
    {
        let headers = SigV4Canonical.headers(of: request)
        let signedHeaders = headers.map(\.name).joined(separator: ";")
        let payloadHash = request.header("X-Amz-Content-SHA256") ?? SigV4Digest.sha256Hex(request.body)
        let canonicalRequest = [
            request.method.uppercased(),
            SigV4Canonical.path(request.path),
            SigV4Canonical.query(request.query),
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let stringToSign = [
            Self.algorithm,
            stamp.dateTime,
            scope(stamp),
            SigV4Digest.sha256Hex(canonicalRequest),
        ].joined(separator: "\n")
        let key = SigV4Digest.signingKey(
            secretAccessKey: credentials.secretAccessKey, date: stamp.date, region: region, service: service)
        let signature = SigV4Digest.hex(SigV4Digest.hmac(key: key, stringToSign))
        return (canonicalRequest, stringToSign, signedHeaders, signature)
    }

    /// `YYYYMMDD/region/service/aws4_request`.
    func scope(_ stamp: AMZDate) -> String {
        "\(stamp.date)/\(region)/\(service)/aws4_request"
    }

    /// A `/` or a space in a region or service would corrupt the credential scope.
    static func isScopeComponent(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ".")
                    :
                    return true
                default:
                    return false
                }
            }
    }
}

extension SigV4Signer: CustomStringConvertible {
    public var description: String {
        "SigV4Signer(service: \(service), region: \(region), credentials: \(credentials))"
    }
}

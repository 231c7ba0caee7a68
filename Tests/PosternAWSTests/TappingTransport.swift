import Foundation
import Synchronization

@testable import PosternAWS

/// Passes requests to a real transport and remembers them (to see who signed what).
final class TappingTransport: AWSTransport {
    let base: any AWSTransport
    private let log = Mutex<[SigV4Request]>([])

    init(_ base: any AWSTransport) {
        self.base = base
    }

    var sent: [SigV4Request] { log.withLock { $0 } }

    func send(_ request: SigV4Request, timeout: Duration) async throws -> AWSHTTPResponse {
        log.withLock { $0.append(request) }
        return try await base.send(request, timeout: timeout)
    }
}

extension SigV4Request {
    /// The access key id in the Authorization header.
    var signingAccessKey: String? {
        guard let authorization = header("Authorization"), let range = authorization.range(of: "Credential=") else {
            return nil
        }
        return String(authorization[range.upperBound...].prefix { $0 != "/" })
    }

    var formAction: String? {
        String(decoding: body, as: UTF8.self).split(separator: "&")
            .first { $0.hasPrefix("Action=") }.map { String($0.dropFirst("Action=".count)) }
    }
}

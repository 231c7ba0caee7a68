import Foundation
import Synchronization

@testable import PosternAWS

/// A transport that answers from a script and remembers what it was sent.
final class RecordingTransport: AWSTransport {
    private let state: Mutex<(responses: [AWSHTTPResponse], sent: [SigV4Request])>

    init(_ responses: [AWSHTTPResponse]) {
        state = Mutex((responses, []))
    }

    convenience init(status: Int = 200, body: String, headers: [AWSHeader] = []) {
        self.init([AWSHTTPResponse(status: status, headers: headers, body: Array(body.utf8))])
    }

    var sent: [SigV4Request] { state.withLock { $0.sent } }

    func send(_ request: SigV4Request, timeout: Duration) async throws -> AWSHTTPResponse {
        try state.withLock { state in
            state.sent.append(request)
            guard !state.responses.isEmpty else {
                throw AWSTransportError(kind: .connectionFailed, target: request.displayTarget, detail: "no scripted answer")
            }
            return state.responses.count == 1 ? state.responses[0] : state.responses.removeFirst()
        }
    }
}

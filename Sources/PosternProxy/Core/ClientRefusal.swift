/// Why a client is turned away before any session runs. Each engine says it in its own protocol
/// (`ProxyEngine.refusal`): PostgreSQL an ErrorResponse with a SQLSTATE, Redis an `-ERR` line.
public struct ClientRefusal: Sendable {
    public enum Reason: Sendable {
        /// The peer is not the user this socket belongs to.
        case notAuthorized
        /// No session for it: each of the bastion relay's refusals (the peer is not the operator,
        /// the service refused the session or does not answer).
        case rejected
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }
}

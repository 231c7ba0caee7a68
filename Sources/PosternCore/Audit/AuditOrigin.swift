/// Who was at the keyboard, in bastion mode: the operator's OS login and uid (from the socket's
/// peer credentials, so the operator cannot choose them) and the SSH client's address, which the
/// operator's own process reports from `SSH_CONNECTION` and is marked as such.
public struct AuditOrigin: Sendable, Hashable {
    /// Teleport's `login`: the OS login.
    public var login: String
    /// `os_uid` (Postern's); nil outside bastion mode.
    public var uid: UInt32?
    /// `client_addr` (Postern's): `ip:port` of the SSH client, as reported by the client.
    public var clientAddress: String

    public init(login: String = "", uid: UInt32? = nil, clientAddress: String = "") {
        self.login = login
        self.uid = uid
        self.clientAddress = clientAddress
    }

    public static let none = AuditOrigin()

    /// The value of `client_addr_source`, saying the address is the client's word, not checked.
    static let reportedByClient = "SSH_CONNECTION, reported by the client"

    func encode(into c: inout some AuditFieldWriter) throws {
        try c.putNonEmpty(login, .login)
        if let uid { try c.put(UInt64(uid), .osUID) }
        if !clientAddress.isEmpty {
            try c.put(clientAddress, .clientAddr)
            try c.put(Self.reportedByClient, .clientAddrSource)
        }
    }

    init(from c: AuditDecoding) throws {
        self.init(login: try c.string(.login), uid: try c.decodeIfPresent(UInt32.self, forKey: .osUID),
                  clientAddress: try c.string(.clientAddr))
    }
}

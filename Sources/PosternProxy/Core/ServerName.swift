import NIOCore
import NIOSSL

/// The name a verify-full certificate must carry, checked as libpq's verify-full checks it:
/// - a DNS name: a dNSName subjectAltName equal to it (case-insensitive; `*.rest` covers exactly
///   one label), or, only when the certificate has no dNSName at all, its Common Name — legacy
///   certificates such as the PostgreSQL manual's `openssl req -subj "/CN=host"` recipe;
/// - an IP address: an iPAddress subjectAltName equal to it.
///
/// NIOSSL's own check, which runs too, is weaker for a DNS name: it also accepts an iPAddress
/// entry equal to the connected peer, so a certificate for 127.0.0.1 would pass for any name.
struct ServerName: Sendable, CustomStringConvertible {
    let description: String
    /// The address (4 or 16 bytes, network order) when the name is an IP address.
    let address: [UInt8]?

    init(_ name: String) {
        description = name
        switch try? SocketAddress(ipAddress: name, port: 0) {
        case .v4(let a)?: address = withUnsafeBytes(of: a.address.sin_addr) { Array($0) }
        case .v6(let a)?: address = withUnsafeBytes(of: a.address.sin6_addr) { Array($0) }
        default: address = nil
        }
    }

    var isAddress: Bool { address != nil }

    func isNamed(by certificate: NIOSSLCertificate) -> Bool {
        let names = certificate._subjectAlternativeNames()
        if let address {
            return names.contains { $0.nameType == .ipAddress && Array($0.contents) == address }
        }
        let host = Self.lowercased(Array(description.utf8))
        let dnsNames = names.filter { $0.nameType == .dnsName }
        if !dnsNames.isEmpty {
            return dnsNames.contains { Self.matches(dns: Self.lowercased(Array($0.contents)), host: host) }
        }
        // The most specific (last) Common Name, as NIOSSL reads it.
        guard let cn = certificate.subjectName.last(where: { $0.type == .commonName }) else { return false }
        return Self.matches(dns: Self.lowercased(Array(cn.value.utf8)), host: host)
    }

    /// `dns` names `host`: equal, or `*.rest` with `host` = one non-empty label + `.rest`
    /// (both lowercased; a trailing dot on either is ignored).
    static func matches(dns: [UInt8], host: [UInt8]) -> Bool {
        let dot = UInt8(ascii: ".")
        let dns = dns.last == dot ? Array(dns.dropLast()) : dns
        let host = host.last == dot ? Array(host.dropLast()) : host
        guard !host.isEmpty else { return false }
        if dns == host { return true }
        guard dns.count > 2, dns[0] == UInt8(ascii: "*"), dns[1] == dot,
              let first = host.firstIndex(of: dot), first > 0
        else { return false }
        return host[first...].elementsEqual(dns[1...])
    }

    private static func lowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { (65...90).contains($0) ? $0 + 32 : $0 }
    }
}

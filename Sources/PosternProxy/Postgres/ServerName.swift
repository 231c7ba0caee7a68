import NIOSSL

/// Whether a certificate names a host, as libpq's verify-full checks it: a DNS subjectAltName
/// equal to the name (case-insensitive), or a wildcard `*.rest` covering exactly one label.
enum ServerName {
    static func certificate(_ certificate: NIOSSLCertificate, names host: String) -> Bool {
        let wanted = Array(host.lowercased().utf8.reversed().drop { $0 == UInt8(ascii: ".") }.reversed())
        for name in certificate._subjectAlternativeNames() where name.nameType == .dnsName {
            let dns = Array(name.contents).map { (65...90).contains($0) ? $0 + 32 : $0 }
            if matches(dns: dns, host: wanted) { return true }
        }
        return false
    }

    static func matches(dns: [UInt8], host: [UInt8]) -> Bool {
        if dns == host { return true }
        guard dns.count > 2, dns[0] == UInt8(ascii: "*"), dns[1] == UInt8(ascii: "."),
              let dot = host.firstIndex(of: UInt8(ascii: "."))
        else { return false }
        return host[dot...].elementsEqual(dns[1...]) && dot > 0
    }
}

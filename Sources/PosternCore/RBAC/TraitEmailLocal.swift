import Foundation

/// `email.local`: the local part of an address, parsed as Go's net/mail does (Teleport's behaviour).
extension TraitTemplate {
    /// The local part of an address as Go's `mail.ParseAddress` accepts it: `local@domain`,
    /// `Name <local@domain>` or `local@domain (comment)`; nil when it is not an address.
    static func emailLocalPart(_ address: String) -> String? {
        var p = Substring(address)
        func skipSpace() { p = p.drop(while: { $0 == " " || $0 == "\t" }) }
        func skipComment() -> Bool {
            skipSpace()
            guard p.first == "(" else { return true }
            guard let close = p.firstIndex(of: ")") else { return false }
            p = p[p.index(after: close)...]
            skipSpace()
            return true
        }
        skipSpace()
        var spec: (local: String, domain: String)?
        if let s = addrSpec(&p) {
            spec = s
        } else {
            // name-addr: a display name, then `<addr-spec>`.
            guard let lt = p.firstIndex(of: "<") else { return nil }
            let name = p[..<lt]
            guard !name.contains(where: { "<>@".contains($0) }) else { return nil }
            p = p[p.index(after: lt)...]
            guard let s = addrSpec(&p), p.first == ">" else { return nil }
            p = p.dropFirst()
            spec = s
        }
        guard let spec, skipComment(), p.isEmpty else { return nil }
        // Teleport splits the parsed address at its first "@".
        let full = spec.local + "@" + spec.domain
        return full.firstIndex(of: "@").map { String(full[..<$0]) }
    }

    /// `local-part "@" domain`: each a dot-atom (or a quoted string, or a `[domain literal]`).
    private static func addrSpec(_ text: inout Substring) -> (local: String, domain: String)? {
        var p = text
        p = p.drop(while: { $0 == " " || $0 == "\t" })
        let local: String
        if p.first == "\"" {
            p = p.dropFirst()
            var s = ""
            var closed = false
            while let c = p.popFirst() {
                if c == "\"" { closed = true; break }
                if c == "\\" {
                    guard let n = p.popFirst() else { return nil }
                    s.append(n)
                } else {
                    s.append(c)
                }
            }
            guard closed, !s.isEmpty else { return nil }
            local = s
        } else {
            guard let atom = dotAtom(&p) else { return nil }
            local = atom
        }
        guard p.first == "@" else { return nil }
        p = p.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
        let domain: String
        if p.first == "[" {
            guard let close = p.firstIndex(of: "]") else { return nil }
            let body = p[p.index(after: p.startIndex)..<close]
            guard !body.contains(where: { "[\\".contains($0) }) else { return nil }
            domain = String(p[...close])
            p = p[p.index(after: close)...]
        } else {
            guard let atom = dotAtom(&p) else { return nil }
            domain = atom
        }
        text = p
        return (local, domain)
    }

    /// RFC 5322 atext (any visible ASCII but specials, or any non-ASCII) and dots, not leading,
    /// trailing or doubled.
    private static func dotAtom(_ p: inout Substring) -> String? {
        let atom = p.prefix { c in
            if c == "." { return true }
            guard let a = c.unicodeScalars.first, c.unicodeScalars.count == 1 || !c.isASCII else { return false }
            if a.value >= 0x80 { return true }
            return a.value >= 0x21 && a.value <= 0x7E && !"()<>[]:;@\\,\"".unicodeScalars.contains(a)
        }
        guard !atom.isEmpty, !atom.hasPrefix("."), !atom.hasSuffix("."), !atom.contains("..") else { return nil }
        p = p.dropFirst(atom.count)
        return String(atom)
    }
}

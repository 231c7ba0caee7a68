/// Terminal columns a string takes: East Asian wide and emoji take two, combining marks none.
/// Kept in Core (pure) so tables and the TUI measure alike without libc's locale-dependent wcwidth.
public enum DisplayWidth {
    public static func of(_ s: String) -> Int {
        // ASCII (names, labels, most data): one cell a printable byte, no grapheme breaking.
        var ascii = 0
        for b in s.utf8 {
            if b >= 0x80 { return graphemeWidth(s) }
            if b >= 0x20, b != 0x7F { ascii += 1 }
        }
        return ascii
    }

    private static func graphemeWidth(_ s: String) -> Int {
        var width = 0
        for ch in s { width += of(ch) }
        return width
    }

    public static func of(_ ch: Character) -> Int {
        guard let first = ch.unicodeScalars.first else { return 0 }
        if ch.unicodeScalars.count > 1, ch.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation || $0.value == 0xFE0F }) {
            return 2
        }
        return of(first)
    }

    public static func of(_ u: Unicode.Scalar) -> Int {
        let v = u.value
        if v == 0 { return 0 }
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        switch u.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if u.properties.isEmojiPresentation { return 2 }
        if isWide(v) { return 2 }
        return 1
    }

    private static func isWide(_ v: UInt32) -> Bool {
        (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
            || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x2FFFD).contains(v) || (0x30000...0x3FFFD).contains(v)
    }
}

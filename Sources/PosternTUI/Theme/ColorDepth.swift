/// How many colours the terminal can show; theme colours are degraded to fit.
public enum ColorDepth: Int, Comparable, Sendable {
    case none = 0
    case ansi8 = 8
    case ansi16 = 16
    case indexed256 = 256
    case direct = 16_777_216

    /// From curses' COLORS (after start_color); NO_COLOR turns colours off whatever the terminal says.
    public init(colors: Int, noColor: Bool) {
        if noColor { self = .none; return }
        switch colors {
        case 16_777_216...: self = .direct
        case 256...: self = .indexed256
        case 16...: self = .ansi16
        case 8...: self = .ansi8
        default: self = .none
        }
    }

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }

    /// NO_COLOR (https://no-color.org): set and non-empty means no colour.
    public static func noColorRequested(_ environment: [String: String]) -> Bool {
        guard let v = environment["NO_COLOR"] else { return false }
        return !v.isEmpty
    }
}

extension TermColor {
    /// The nearest colour this depth can show; `.default` stays the terminal's own.
    public func degraded(to depth: ColorDepth) -> TermColor {
        switch (self, depth) {
        case (_, .none), (.default, _): return .default
        case (.rgb, .direct): return self
        case (.rgb(let r, let g, let b), .indexed256): return .indexed(Palette.nearest256(r, g, b))
        case (.rgb(let r, let g, let b), _): return TermColor.ansi(Palette.nearest16(r, g, b)).degraded(to: depth)
        case (.indexed(let n), .indexed256), (.indexed(let n), .direct): return .indexed(n)
        case (.indexed(let n), _):
            if n < 16 { return TermColor.ansi(n).degraded(to: depth) }
            let (r, g, b) = Palette.rgb(of: n)
            return TermColor.ansi(Palette.nearest16(r, g, b)).degraded(to: depth)
        case (.ansi(let n), .ansi8): return .ansi(n % 8)
        case (.ansi, _): return self
        }
    }

    /// The number curses wants (-1 for the default colour); an rgb colour only reaches here on a
    /// direct-colour terminal, where curses takes it packed as 0xRRGGBB.
    public var cursesNumber: Int {
        switch self {
        case .default: return -1
        case .ansi(let n), .indexed(let n): return Int(n)
        case .rgb(let r, let g, let b): return Int(r) << 16 | Int(g) << 8 | Int(b)
        }
    }
}

/// The xterm palette, for mapping true colour down.
enum Palette {
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]
    /// xterm's defaults for the 16 ANSI colours.
    static let ansi: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
        (255, 255, 255),
    ]

    static func rgb(of index: UInt8) -> (UInt8, UInt8, UInt8) {
        let n = Int(index)
        if n < 16 { let c = ansi[n]; return (UInt8(c.0), UInt8(c.1), UInt8(c.2)) }
        if n >= 232 { let v = UInt8(8 + (n - 232) * 10); return (v, v, v) }
        let i = n - 16
        return (UInt8(cubeLevels[i / 36]), UInt8(cubeLevels[(i / 6) % 6]), UInt8(cubeLevels[i % 6]))
    }

    static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 { nearest(r, g, b, in: 16..<256) }
    static func nearest16(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 { nearest(r, g, b, in: 0..<16) }

    /// The palette entry in `range` closest to (r, g, b).
    private static func nearest(_ r: UInt8, _ g: UInt8, _ b: UInt8, in range: Range<Int>) -> UInt8 {
        var best = range.lowerBound, bestDistance = Int.max
        for n in range {
            let d = distance(rgb(of: UInt8(n)), (r, g, b))
            if d < bestDistance { best = n; bestDistance = d }
        }
        return UInt8(best)
    }

    private static func distance(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
        let dr = Int(a.0) - Int(b.0), dg = Int(a.1) - Int(b.1), db = Int(a.2) - Int(b.2)
        return dr * dr * 3 + dg * dg * 4 + db * db * 2
    }
}

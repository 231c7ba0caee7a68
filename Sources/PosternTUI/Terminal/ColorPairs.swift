import CNCurses

/// Curses colour pairs, allocated on first use and cached: themes use a few dozen at most.
struct ColorPairs {
    let depth: ColorDepth
    private let limit: Int
    private var pairs: [PairKey: Int32] = [:]
    private var next: Int32 = 1

    struct PairKey: Hashable {
        let fg: Int
        let bg: Int
    }

    init(depth: ColorDepth, maxPairs: Int) {
        self.depth = depth
        limit = min(maxPairs, 32767)
    }

    /// The pair for a style's colours (degraded to the terminal); 0, the terminal's own, when out of pairs.
    mutating func pair(for style: CellStyle) -> Int32 {
        guard depth != .none else { return 0 }
        let key = PairKey(fg: style.fg.degraded(to: depth).cursesNumber, bg: style.bg.degraded(to: depth).cursesNumber)
        if key.fg == -1 && key.bg == -1 { return 0 }
        if let p = pairs[key] { return p }
        guard Int(next) < limit, init_extended_pair(next, Int32(key.fg), Int32(key.bg)) != ERR else { return 0 }
        pairs[key] = next
        next += 1
        return next - 1
    }

    static func attributes(_ a: TextAttributes) -> Int32 {
        var out = postern_A_NORMAL
        if a.contains(.bold) { out |= postern_A_BOLD }
        if a.contains(.dim) { out |= postern_A_DIM }
        if a.contains(.reverse) { out |= postern_A_REVERSE }
        if a.contains(.underline) { out |= postern_A_UNDERLINE }
        if a.contains(.italic) { out |= postern_A_ITALIC }
        return out
    }
}

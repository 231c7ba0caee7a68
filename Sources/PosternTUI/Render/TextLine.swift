import PosternCore

/// A line of styled pieces, for the details pane and help.
public struct TextLine: Equatable, Sendable {
    public var segments: [(text: String, role: StyleRole)]

    public init(_ segments: [(String, StyleRole)]) { self.segments = segments.map { (text: $0.0, role: $0.1) } }

    public var plain: String { segments.map(\.text).joined() }

    public static func == (a: TextLine, b: TextLine) -> Bool {
        a.segments.map(\.text) == b.segments.map(\.text) && a.segments.map(\.role) == b.segments.map(\.role)
    }

    /// The line broken at spaces to fit `width` columns; continuation lines start with `indent` spaces.
    /// A word longer than a line is cut by characters. Widths are of the text as drawn (escaped).
    public func wrapped(width: Int, indent: Int) -> [TextLine] {
        guard width > indent + 1 else { return [self] }
        var lines: [[(String, StyleRole)]] = [[]]
        var used = 0
        func newLine() {
            if lines[lines.count - 1].last?.0 == " " { lines[lines.count - 1].removeLast() }
            lines.append([(String(repeating: " ", count: indent), .normal)])
            used = indent
        }
        for segment in segments {
            for word in Self.words(TextSanitizer.escape(segment.text)) {
                var w = DisplayWidth.of(word)
                if used + w > width && used > indent && word != " " { newLine() }
                if used == indent && word == " " && lines.count > 1 { continue }
                var rest = Substring(word)
                while used + w > width, let cut = Self.prefix(rest, fitting: width - used), !cut.isEmpty {
                    lines[lines.count - 1].append((String(cut), segment.role))
                    rest = rest.dropFirst(cut.count)
                    newLine()
                    w = DisplayWidth.of(String(rest))
                }
                lines[lines.count - 1].append((String(rest), segment.role))
                used += w
            }
        }
        return lines.map { TextLine($0) }
    }

    /// Words and the single spaces between them, in order.
    static func words(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in s {
            if ch == " " {
                if !current.isEmpty { out.append(current); current = "" }
                out.append(" ")
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// The longest prefix of `s` that fits `columns`.
    static func prefix(_ s: Substring, fitting columns: Int) -> Substring? {
        var w = 0
        var end = s.startIndex
        for i in s.indices {
            let cw = DisplayWidth.of(s[i])
            if w + cw > columns { break }
            w += cw
            end = s.index(after: i)
        }
        return end == s.startIndex ? nil : s[s.startIndex..<end]
    }

    /// Draws the pieces from (x, y), clipped to `clip`, the last one ending in `…` when cut.
    func draw(on screen: inout VirtualScreen, x: Int, y: Int, clip: Rect, theme: Theme) {
        var cx = x
        for s in segments { cx = screen.put(s.text, x: cx, y: y, style: theme[s.role], clip: clip, ellipsis: true) }
    }
}

import PosternCore

/// A rectangle of cells, in screen coordinates.
public struct Rect: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }
}

public struct Point: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// One terminal cell. A wide character fills its lead cell (`width` 2) and a continuation cell
/// (`width` 0, empty text) to its right; the two are only ever written or cleared together.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var width: UInt8
    public var style: CellStyle

    public init(text: String, width: UInt8, style: CellStyle) {
        self.text = text
        self.width = width
        self.style = style
    }

    public static func blank(_ style: CellStyle) -> Cell { Cell(text: " ", width: 1, style: style) }
    var isContinuation: Bool { width == 0 }
}

/// The frame the renderer draws and the terminal adapter flushes; also what snapshot tests read.
public struct VirtualScreen: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should be shown (the filter line while typing); nil hides it.
    public var cursor: Point?

    public init(width: Int, height: Int, style: CellStyle = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank(style), count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell { cells[y * width + x] }

    public func row(_ y: Int) -> ArraySlice<Cell> { cells[(y * width)..<((y + 1) * width)] }

    /// Fills a rectangle with blanks of one style.
    public mutating func fill(_ rect: Rect, style: CellStyle) {
        let r = clip(rect, to: bounds)
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX { set(x, y, .blank(style)) }
        }
    }

    /// Draws `text` from (x, y), clipped to `clip` (default: the whole screen), and returns the column
    /// after the last cell drawn. Control and escape characters are shown escaped (`\e`), whatever the
    /// caller passed; a wide character that would straddle the clip edge becomes a space; with
    /// `ellipsis`, text that does not fit ends in `…`.
    @discardableResult
    public mutating func put(_ text: String, x startX: Int, y: Int, style: CellStyle, clip: Rect? = nil,
                             ellipsis: Bool = false) -> Int {
        let c = self.clip(clip ?? bounds, to: bounds)
        guard y >= c.y, y < c.maxY, startX < c.maxX else { return startX }
        let safe = TextSanitizer.escape(text)
        let limit = c.maxX
        let needsEllipsis = ellipsis && startX + DisplayWidth.of(safe) > limit
        let textLimit = needsEllipsis ? limit - 1 : limit
        var x = startX
        for ch in safe {
            let w = DisplayWidth.of(ch)
            if w == 0 {
                // A combining mark joins the character before it; a lone one is dropped.
                if x - 1 >= max(c.x, startX), x - 1 < limit { appendMark(ch, at: x - 1, y: y) }
                continue
            }
            if x + w > textLimit {
                while x < textLimit { if x >= c.x { set(x, y, .blank(style)) }; x += 1 }
                break
            }
            if x >= c.x {
                set(x, y, Cell(text: String(ch), width: UInt8(w), style: style))
                if w == 2 { set(x + 1, y, Cell(text: "", width: 0, style: style)) }
            } else if x + w > c.x {
                set(c.x, y, .blank(style))  // the right half of a wide character at the left edge
            }
            x += w
        }
        if needsEllipsis, x < limit, x >= c.x {
            set(x, y, Cell(text: "…", width: 1, style: style))
            x += 1
        }
        return x
    }

    /// Text of one row, continuation cells skipped: what a terminal shows.
    public func text(row y: Int) -> String {
        var s = ""
        for cell in row(y) where !cell.isContinuation { s += cell.text }
        return s
    }

    /// The whole screen as lines with trailing spaces trimmed, for snapshot tests.
    public var text: String {
        (0..<height).map { y in
            var line = text(row: y)
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    private mutating func appendMark(_ ch: Character, at x: Int, y: Int) {
        var target = x
        if cells[y * width + target].isContinuation, target > 0 { target -= 1 }
        cells[y * width + target].text.append(ch)
    }

    /// Writes one cell, clearing the other half of any wide character it cuts in two.
    private mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let i = y * width + x
        let old = cells[i]
        if old.isContinuation, x > 0, cells[i - 1].width == 2, !cell.isContinuation {
            cells[i - 1] = .blank(cells[i - 1].style)
        }
        if old.width == 2, x + 1 < width, cell.width != 2 {
            cells[i + 1] = .blank(cells[i + 1].style)
        }
        cells[i] = cell
        if cell.width == 2, x + 1 >= width { cells[i] = .blank(cell.style) }
    }

    private func clip(_ r: Rect, to b: Rect) -> Rect {
        let x0 = max(r.x, b.x), y0 = max(r.y, b.y)
        return Rect(x: x0, y: y0, width: min(r.maxX, b.maxX) - x0, height: min(r.maxY, b.maxY) - y0)
    }
}

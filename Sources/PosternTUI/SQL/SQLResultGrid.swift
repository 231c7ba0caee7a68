import PosternCore

/// The rows of the current result as the grid shows them: sanitised once when they arrive, at most
/// `cap` kept (a window on a large result, said so in the status), with column widths by display
/// width and a cell cursor that scrolls both ways.
public struct SQLResultGrid: Sendable, Equatable {
    public static let defaultCap = 10_000
    /// A column never gets wider than this; longer values end in `…` (the whole value is copied).
    public static let maxColumnWidth = 40
    public static let nullMark = "∅"

    public private(set) var columns: [SQLColumn] = []
    /// Kept rows, sanitised for the screen.
    public private(set) var rows: [[String?]] = []
    /// Raw kept rows, for export and copy (the terminal never sees them unescaped).
    public private(set) var raw: [[String?]] = []
    /// Rows the server sent for this result, kept or not.
    public private(set) var total = 0
    public private(set) var widths: [Int] = []
    public let cap: Int
    public var row = 0
    public var column = 0
    /// First row and first column on screen.
    public var top = 0
    public var left = 0

    public init(columns: [SQLColumn] = [], cap: Int = SQLResultGrid.defaultCap) {
        self.cap = cap
        self.columns = columns.map { SQLColumn(name: TextSanitizer.escape($0.name), typeOID: $0.typeOID) }
        widths = self.columns.map { min(Self.maxColumnWidth, max(1, DisplayWidth.of($0.name))) }
    }

    public var isTruncated: Bool { total > rows.count }

    /// Appends rows that arrived; `total` is the count the server has sent so far.
    public mutating func append(_ batch: [[String?]], total: Int) {
        self.total = max(total, rows.count)
        for r in batch.prefix(cap - rows.count) {
            let safe = r.map { $0.map(TextSanitizer.escape) }
            for (i, v) in safe.enumerated() where i < widths.count {
                widths[i] = min(Self.maxColumnWidth, max(widths[i], DisplayWidth.of(v ?? Self.nullMark)))
            }
            rows.append(safe)
            raw.append(r)
        }
        self.total = max(self.total, rows.count)
    }

    /// Numbers (int, float, numeric, oid) are right-aligned, as psql does.
    static func isNumeric(_ oid: UInt32) -> Bool { [20, 21, 23, 26, 700, 701, 1700].contains(oid) }

    /// The value under the cursor, unescaped (what Copy puts on the clipboard).
    public var currentValue: String? {
        guard raw.indices.contains(row), raw[row].indices.contains(column) else { return nil }
        return raw[row][column]
    }

    public enum Move: Sendable { case up, down, left, right, top, bottom, pageUp, pageDown, home, end }

    /// Moves the cell cursor and keeps it on screen (`rowsShown` data rows, `width` columns).
    public mutating func move(_ m: Move, rowsShown: Int, width: Int) {
        let page = max(1, rowsShown)
        switch m {
        case .up: row -= 1
        case .down: row += 1
        case .pageUp: row -= page
        case .pageDown: row += page
        case .top: row = 0
        case .bottom: row = rows.count - 1
        case .left: column -= 1
        case .right: column += 1
        case .home: column = 0
        case .end: column = columns.count - 1
        }
        row = max(0, min(row, rows.count - 1))
        column = max(0, min(column, columns.count - 1))
        scrollIntoView(rowsShown: rowsShown, width: width)
    }

    public mutating func scrollIntoView(rowsShown: Int, width: Int) {
        let page = max(1, rowsShown)
        if row < top { top = row }
        if row >= top + page { top = row - page + 1 }
        top = max(0, min(top, max(0, rows.count - page)))
        if column < left { left = column }
        // Scroll right until the cursor's column fits (or is the first shown).
        while left < column && columnsWidth(from: left, through: column) > width { left += 1 }
    }

    /// Cells from column `a` through `b`, with the one-cell separators between.
    func columnsWidth(from a: Int, through b: Int) -> Int {
        guard a <= b, b < widths.count else { return 0 }
        return widths[a...b].reduce(0, +) + (b - a)
    }
}

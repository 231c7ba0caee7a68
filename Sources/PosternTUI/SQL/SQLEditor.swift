import Foundation

/// The multi-line statement being typed: lines of characters and a cursor. Pure.
public struct SQLEditor: Sendable, Equatable {
    public private(set) var lines: [[Character]] = [[]]
    public private(set) var line = 0
    public private(set) var column = 0

    public init(_ text: String = "") { set(text) }

    public var text: String { lines.map { String($0) }.joined(separator: "\n") }
    public var isEmpty: Bool { lines.count == 1 && lines[0].isEmpty }

    /// Enter runs rather than breaking the line: the statement ends with `;`, or is a
    /// backslash command (`\dt`), or the cursor is not at the end (psql's rule, at the end only).
    public var endsStatement: Bool {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.hasSuffix(";") || t.hasPrefix("\\")
    }

    public mutating func set(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
        line = lines.count - 1
        column = lines[line].count
    }

    public mutating func insert(_ c: Character) {
        lines[line].insert(c, at: column)
        column += 1
    }

    public mutating func newline() {
        let rest = Array(lines[line][column...])
        lines[line].removeSubrange(column...)
        lines.insert(rest, at: line + 1)
        line += 1
        column = 0
    }

    public mutating func backspace() {
        if column > 0 {
            lines[line].remove(at: column - 1)
            column -= 1
        } else if line > 0 {
            column = lines[line - 1].count
            lines[line - 1] += lines[line]
            lines.remove(at: line)
            line -= 1
        }
    }

    public mutating func deleteForward() {
        if column < lines[line].count {
            lines[line].remove(at: column)
        } else if line + 1 < lines.count {
            lines[line] += lines[line + 1]
            lines.remove(at: line + 1)
        }
    }

    public enum Motion: Sendable { case left, right, up, down, home, end }

    /// Moves the cursor; false when it is already at that edge (↑ on the first line recalls history).
    @discardableResult
    public mutating func move(_ m: Motion) -> Bool {
        switch m {
        case .left:
            if column > 0 { column -= 1 } else if line > 0 { line -= 1; column = lines[line].count } else { return false }
        case .right:
            if column < lines[line].count { column += 1 } else if line + 1 < lines.count { line += 1; column = 0 } else { return false }
        case .up:
            guard line > 0 else { return false }
            line -= 1
            column = min(column, lines[line].count)
        case .down:
            guard line + 1 < lines.count else { return false }
            line += 1
            column = min(column, lines[line].count)
        case .home: column = 0
        case .end: column = lines[line].count
        }
        return true
    }
}

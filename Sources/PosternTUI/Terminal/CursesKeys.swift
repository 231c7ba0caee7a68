import CNCurses

/// Turns what `get_wch` returns into a `Key`; nil for what the console does not use.
enum CursesKeys {
    /// A character (`get_wch` returned OK). The terminal is raw: control characters arrive as such.
    static func key(character c: UInt32) -> Key? {
        switch c {
        case 13: return .enter
        case 9: return .tab
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(c) + 96)))
        case 0..<32: return nil
        default:
            guard let scalar = Unicode.Scalar(c) else { return nil }
            return .char(Character(scalar))
        }
    }

    /// A function key (`get_wch` returned KEY_CODE_YES).
    static func key(code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case postern_key_f(1)...postern_key_f(12): return .function(Int(code - postern_key_f(0)))
        default: return nil
        }
    }
}

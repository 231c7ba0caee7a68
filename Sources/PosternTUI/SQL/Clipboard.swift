import Foundation

/// Copies text to the terminal's clipboard with OSC 52, which terminals (and tmux) honour over SSH.
enum Clipboard {
    /// The escape sequence; the text is base64, so nothing in it reaches the terminal raw.
    static func osc52(_ text: String) -> String {
        "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
    }

    /// Written to the controlling terminal in one write(2), beside curses' own output: the sequence
    /// moves no cursor, so the screen is unchanged.
    static func copy(_ text: String) -> String? {
        let fd = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return "no terminal to copy to" }
        defer { close(fd) }
        let bytes = Array(osc52(text).utf8)
        return write(fd, bytes, bytes.count) == bytes.count ? nil : "the terminal did not take the copy"
    }
}

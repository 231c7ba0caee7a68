import CNCurses
import Foundation
import PosternCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The only place curses is called: one actor on its own thread. It reads keys with `get_wch`,
/// feeds them and posted events through the reducer, renders, and flushes the rows that changed.
public actor CursesTerminal {
    private let executor = ThreadExecutor(name: "postern-curses")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let inbox: EventInbox

    /// Unknown TERM values fall back to this (newterm returns NULL instead of exiting).
    public static let fallbackTerm = "xterm-256color"
    /// get_wch failing this many times in a row while the terminal says it is readable means the
    /// terminal is gone (hung-up SSH): stop instead of spinning.
    static let maxReadErrors = 20

    public init() throws(TerminalError) {
        inbox = try EventInbox()
    }

    /// For background work: inventory snapshots, notices, pane updates.
    public nonisolated func post(_ event: ConsoleEvent) { inbox.post(event) }

    nonisolated func post(signal: Int32) { inbox.post(signal: signal) }

    public struct Outcome: Sendable {
        public var state: ConsoleState
        /// The signal that ended the console (SIGTERM, SIGHUP), if one did.
        public var signal: Int32?
    }

    /// Runs the console until it quits, a terminating signal arrives or the terminal goes away;
    /// the terminal is restored (`endwin`) in every case.
    public func run(_ initial: ConsoleState, theme: Theme, noColor: Bool) throws(TerminalError) -> Outcome {
        setlocale(LC_ALL, "")
        guard let input = fdopen(STDIN_FILENO, "r"), let output = fdopen(STDOUT_FILENO, "w") else {
            throw TerminalError("cannot open the terminal")
        }
        var note: String?
        var screen = newterm(nil, output, input)
        if screen == nil {
            let term = TextSanitizer.escape(ProcessInfo.processInfo.environment["TERM"] ?? "")
            screen = newterm(Self.fallbackTerm, output, input)
            note = "TERM \"\(term)\" is unknown here; drawing as \(Self.fallbackTerm)"
        }
        guard let screen, let window = postern_stdscr() else { throw TerminalError("cannot start curses on this terminal") }
        defer {
            endwin()
            delscreen(screen)
        }
        raw()
        noecho()
        nonl()
        keypad(window, true)
        nodelay(window, true)
        set_escdelay(25)
        var depth = ColorDepth.none
        if !noColor, has_colors() {
            start_color()
            use_default_colors()
            depth = ColorDepth(colors: Int(postern_colors()), noColor: false)
        }
        let renderer = ConsoleRenderer(theme: depth == .none ? .monochrome : theme)
        var pairs = ColorPairs(depth: depth, maxPairs: Int(postern_color_pairs()))

        var state = initial
        state.apply(.resize(width: Int(getmaxx(window)), height: Int(getmaxy(window))))
        if let note { state.apply(.notice(note, isError: false)) }
        var previous: VirtualScreen?
        var dirty = true
        var readErrors = 0
        while true {
            let (events, signal) = inbox.drain()
            for e in events { state.apply(e) }
            dirty = dirty || !events.isEmpty
            if let signal { return Outcome(state: state, signal: signal) }
            if state.shouldQuit { return Outcome(state: state, signal: nil) }
            if dirty {
                let frame = renderer.render(state)
                flush(frame, previous: previous, window: window, pairs: &pairs)
                previous = frame
                dirty = false
            }
            // A running filter takes the idle time: keys and events first, then one more chunk.
            let readable = waitForInput(timeout: state.filter.isRunning ? 0 : 250)
            if state.filter.isRunning, !readable.input, !readable.hangup {
                state.apply(.filterStep)
                dirty = true
            }
            var got = false
            while true {
                var ch: wint_t = 0
                let r = wget_wch(window, &ch)
                if r == ERR { break }
                got = true
                if r == postern_KEY_CODE_YES && Int32(ch) == KEY_RESIZE {
                    state.apply(.resize(width: Int(getmaxx(window)), height: Int(getmaxy(window))))
                    clearok(window, true)
                } else if let key = r == postern_KEY_CODE_YES ? CursesKeys.key(code: Int32(ch)) : CursesKeys.key(character: ch) {
                    state.apply(.key(key))
                }
                if state.shouldQuit { break }
            }
            dirty = dirty || got
            if readable.hangup { return Outcome(state: state, signal: SIGHUP) }
            readErrors = readable.input && !got ? readErrors + 1 : 0
            if readErrors >= Self.maxReadErrors { return Outcome(state: state, signal: SIGHUP) }
        }
    }

    /// Waits for a key, a posted event or `timeout` ms (250 also picks up a resize whose SIGWINCH
    /// went to another thread).
    private func waitForInput(timeout: Int32) -> (input: Bool, hangup: Bool) {
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: inbox.readFD, events: Int16(POLLIN), revents: 0)]
        guard poll(&fds, 2, timeout) > 0 else { return (false, false) }
        let r = fds[0].revents
        let gone = Int16(POLLHUP) | Int16(POLLERR) | Int16(POLLNVAL)
        return (r & Int16(POLLIN) != 0, r & gone != 0 && r & Int16(POLLIN) == 0)
    }

    /// Writes the rows that differ from the last frame, then lets curses update the terminal.
    private func flush(_ frame: VirtualScreen, previous: VirtualScreen?, window: UnsafeMutablePointer<WINDOW>,
                       pairs: inout ColorPairs) {
        let full = previous?.width != frame.width || previous?.height != frame.height
        for y in 0..<frame.height {
            if !full, let previous, previous.row(y) == frame.row(y) { continue }
            for x in 0..<frame.width {
                let cell = frame[x, y]
                if cell.width == 0 { continue }
                _ = postern_wattr_set(window, ColorPairs.attributes(cell.style.attributes), pairs.pair(for: cell.style))
                write(cell, x: x, y: y, window: window)
            }
        }
        if let c = frame.cursor {
            curs_set(1)
            wmove(window, Int32(c.y), Int32(c.x))
        } else {
            curs_set(0)
        }
        wnoutrefresh(window)
        doupdate()
    }

    /// One cell. Where libc's wcwidth disagrees with the layout's width, pad or substitute so the
    /// columns after it stay where the layout put them.
    private func write(_ cell: Cell, x: Int, y: Int, window: UnsafeMutablePointer<WINDOW>) {
        var chars = cell.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        let libcWidth = chars.first.map { wcwidth($0) } ?? 1
        if libcWidth < 0 || (cell.width == 1 && libcWidth == 2) {
            chars = [wchar_t(0x3F)]
        } else if cell.width == 2 && libcWidth < 2 {
            chars.append(wchar_t(0x20))
        }
        chars.append(0)
        _ = mvwaddnwstr(window, Int32(y), Int32(x), chars, Int32(chars.count - 1))
    }
}

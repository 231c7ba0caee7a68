extension AuditJSON {
    /// Events' stored JSON (compact, as `AuditJSONWriter` and `JSONEncoder` write it) as one
    /// pretty-printed array, in exactly the bytes `encoder(pretty: true)` gives for the events
    /// themselves: `audit play` prints a long session without decoding and re-encoding every event.
    /// Only the layout between tokens changes; strings and numbers are copied as they are.
    /// Nil if an object is not laid out as an encoder writes one (brackets that do not balance, an
    /// unterminated string, a raw control character in one): a damaged store is reported, not printed.
    public static func prettyArray(_ objects: [String]) -> String? {
        guard let pieces = prettyArrayPieces(objects) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(pieces.reduce(0) { $0 + $1.count })
        for piece in pieces { out += piece }
        return String(decoding: out, as: UTF8.self)
    }

    /// The same array in pieces that, one after another, are its bytes (the opening, each object
    /// with what separates it from the next, the close), terminal-safe (`terminalSafe`) if asked:
    /// a long session is written piece by piece, never copied whole.
    public static func prettyArrayPieces(_ objects: [String], terminalSafe safe: Bool = false) -> [[UInt8]]? {
        guard !objects.isEmpty else { return [Array("[\n\n]".utf8)] }
        // Each object laid out on its own (on every core).
        let last = objects.count - 1
        let laidOut = try? Array(objects.indices).parallelMap { i -> [UInt8] in
            var object = objects[i]
            var out: [UInt8] = []
            out.reserveCapacity(object.utf8.count * 3 / 2 + 8)
            out += (i == 0 ? "[\n  " : "  ").utf8
            guard object.withUTF8({ reindent($0, depth: 1, into: &out) }) else { throw Damaged() }
            out += (i == last ? "\n]" : ",\n").utf8
            // Plain ASCII (nearly every event) needs no look at its characters.
            if safe, out.contains(where: { $0 >= 0x7F }) { out = Array(terminalSafe(String(decoding: out, as: UTF8.self)).utf8) }
            return out
        }
        return laidOut
    }

    private struct Damaged: Error {}

    /// Foundation's pretty layout: two spaces a level, `"key" : value`, an empty container as
    /// its brackets around a blank line.
    /// False (output abandoned) for bytes no encoder writes as one object.
    private static func reindent(_ json: UnsafeBufferPointer<UInt8>, depth start: Int, into out: inout [UInt8]) -> Bool {
        guard json.first == 0x7B else { return false }
        var depth = start
        func newline() {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: 2 * max(depth, 0)))
        }
        var inString = false
        var escaped = false
        var i = 0
        while i < json.count {
            let b = json[i]
            i += 1
            if inString {
                guard b >= 0x20 else { return false }
                out.append(b)
                if escaped {
                    escaped = false
                } else if b == 0x5C {
                    escaped = true
                } else if b == 0x22 {
                    inString = false
                } else {
                    // The plain run up to the next quote, backslash or control byte, copied at once:
                    // most of an event is its statement's text.
                    var end = i
                    while end < json.count, json[end] >= 0x20, json[end] != 0x22, json[end] != 0x5C { end += 1 }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: json[i..<end]))
                    i = end
                }
                continue
            }
            switch b {
            case 0x22:
                inString = true
                out.append(b)
            case 0x7B, 0x5B: // { [
                out.append(b)
                if i < json.count, json[i] == (b == 0x7B ? 0x7D : 0x5D) {
                    out.append(0x0A)
                    newline()
                    out.append(json[i])
                    i += 1
                } else {
                    depth += 1
                    newline()
                }
            case 0x7D, 0x5D: // } ]
                depth -= 1
                guard depth >= start else { return false }
                newline()
                out.append(b)
                // The object ends with its own closing brace: nothing may follow it.
                if depth == start, i < json.count { return false }
            case 0x2C: // ,
                out.append(b)
                newline()
            case 0x3A: // :
                out += [0x20, 0x3A, 0x20]
            default:
                out.append(b)
            }
        }
        return depth == start && !inString
    }
}

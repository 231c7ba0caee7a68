/// Lays compact JSON out one member per line, indented two spaces a level, without parsing values
/// (numbers and strings stay byte for byte as the store wrote them).
enum JSONIndenter {
    static func lines(_ json: String) -> [String] {
        var lines: [String] = []
        var line = ""
        var depth = 0
        var inString = false
        var escaped = false
        let chars = Array(json)
        func newLine() {
            lines.append(line)
            line = String(repeating: "  ", count: max(0, depth))
        }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            i += 1
            if inString {
                line.append(c)
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                continue
            }
            switch c {
            case "\"":
                inString = true
                line.append(c)
            case "{", "[":
                line.append(c)
                if i < chars.count, chars[i] == (c == "{" ? "}" : "]") {
                    line.append(chars[i])  // an empty object or array stays on one line
                    i += 1
                } else {
                    depth += 1
                    newLine()
                }
            case "}", "]":
                depth -= 1
                newLine()
                line.append(c)
            case ",":
                line.append(c)
                newLine()
            case ":":
                line += ": "
            case " ", "\n", "\r", "\t":
                break
            default:
                line.append(c)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}

import Foundation

/// A regular expression for `regexp.replace`, with Go's `ReplaceAllString` semantics: unanchored,
/// every match replaced, `$1` / `${1}` / `$name` / `${name}` / `$$` expanded as Go's `Regexp.Expand` does.
struct ValueRegex: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented thread-safe.
    let regex: NSRegularExpression
    /// Names of `(?<name>…)` groups, so that `$name` of an unknown name expands to "" as in Go.
    let groupNames: Set<String>

    init(pattern: String) throws {
        regex = try NSRegularExpression(pattern: pattern, options: ValuePattern.regexOptions)
        var names = Set<String>()
        var rest = Substring(pattern)
        while let r = rest.range(of: "(?<") {
            rest = rest[r.upperBound...]
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty, rest.dropFirst(name.count).first == ">" { names.insert(String(name)) }
        }
        groupNames = names
    }

    /// nil when the expression does not match `input` at all.
    func replaceIfMatches(_ input: String, with template: String) -> String? {
        let text = NSString(string: input)
        let matches = regex.matches(in: input, range: NSRange(location: 0, length: text.length))
        guard !matches.isEmpty else { return nil }
        var out = ""
        var lastEnd = 0
        for m in matches {
            let r = m.range
            out += text.substring(with: NSRange(location: lastEnd, length: r.location - lastEnd))
            // Go skips an empty match right after the previous match.
            if r.location + r.length > lastEnd || r.location == 0 { out += expand(template, m, text) }
            lastEnd = r.location + r.length
        }
        out += text.substring(from: lastEnd)
        return out
    }

    private func expand(_ template: String, _ m: NSTextCheckingResult, _ text: NSString) -> String {
        var out = ""
        var t = Substring(template)
        while let dollar = t.firstIndex(of: "$") {
            out += t[..<dollar]
            t = t[t.index(after: dollar)...]
            if t.first == "$" {
                out += "$"
                t = t.dropFirst()
                continue
            }
            let braced = t.first == "{"
            var body = braced ? t.dropFirst() : t
            let name = body.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            body = body.dropFirst(name.count)
            if name.isEmpty || (braced && body.first != "}") {
                out += "$"  // Malformed: the `$` is kept as text.
                continue
            }
            t = braced ? body.dropFirst() : body
            out += group(String(name), m, text)
        }
        return out + t
    }

    private func group(_ name: String, _ m: NSTextCheckingResult, _ text: NSString) -> String {
        var range = NSRange(location: NSNotFound, length: 0)
        if name.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // Go reads a decimal group number, without leading zeros; otherwise it is a name.
            if name.count > 1 && name.hasPrefix("0") { return "" }
            if name.count < 9, let n = Int(name), n < m.numberOfRanges { range = m.range(at: n) }
        } else if groupNames.contains(name) {
            range = m.range(withName: name)
        }
        return range.location == NSNotFound ? "" : text.substring(with: range)
    }
}

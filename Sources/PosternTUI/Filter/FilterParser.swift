import Foundation

extension FilterQuery {
    /// Parses what was typed after `/`. Never traps: every problem is a `FilterError` to show inline.
    public static func parse(_ input: String) throws(FilterError) -> FilterQuery {
        var text = Substring(input).trimmingCharacters(in: .whitespaces)[...]
        var inverted = false
        if text.hasPrefix("!") {
            inverted = true
            text = text.dropFirst().trimmingCharacters(in: .whitespaces)[...]
            guard !text.isEmpty else { throw FilterError("type what to leave out after !") }
        }
        if text.isEmpty { return FilterQuery(inverted: inverted, body: .all) }
        if text.hasPrefix("^") {
            return FilterQuery(inverted: inverted,
                               body: .regex(try Pattern(String(text), options: [.caseInsensitive, .anchorsMatchLines])))
        }
        var terms: [Term] = []
        for raw in text.split(separator: ",") {
            let term = raw.trimmingCharacters(in: .whitespaces)
            if term.isEmpty { continue }
            terms.append(try parseTerm(term))
        }
        return FilterQuery(inverted: inverted, body: terms.isEmpty ? .all : .terms(terms))
    }

    static func parseTerm(_ term: String) throws(FilterError) -> Term {
        guard let (key, op, value) = splitSelector(term) else { return .text(term.lowercased()) }
        guard !key.isEmpty else { throw FilterError("label key missing in \(Pattern.quote(term))") }
        guard !key.contains(where: \.isWhitespace) else {
            throw FilterError("label key \(Pattern.quote(key)) has a space")
        }
        guard !value.isEmpty else { throw FilterError("label value missing in \(Pattern.quote(term))") }
        switch op {
        case .equals, .notEquals:
            return .label(key: key, op: op, value: value, regex: nil)
        case .matches, .notMatches:
            return .label(key: key, op: op, value: value, regex: try Pattern(value, options: []))
        }
    }

    /// `key OP value` for the first `=`, `!=`, `=~` or `!~`; nil for a plain text term.
    static func splitSelector(_ term: String) -> (String, LabelOperator, String)? {
        let chars = Array(term)
        for i in chars.indices {
            let c = chars[i], next = i + 1 < chars.count ? chars[i + 1] : nil
            let op: LabelOperator, width: Int
            if c == "!" && next == "=" { op = .notEquals; width = 2 }
            else if c == "!" && next == "~" { op = .notMatches; width = 2 }
            else if c == "=" && next == "~" { op = .matches; width = 2 }
            else if c == "=" { op = .equals; width = 1 }
            else { continue }
            let key = String(chars[..<i]).trimmingCharacters(in: .whitespaces)
            let value = String(chars[(i + width)...]).trimmingCharacters(in: .whitespaces)
            return (key, op, value)
        }
        return nil
    }
}

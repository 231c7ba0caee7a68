/// Help, generated from the keymap: one section per scope, then the filter syntax.
public enum HelpModel {
    public static func lines(_ keymap: Keymap) -> [TextLine] {
        var out: [TextLine] = []
        for scope in keymap.scopes {
            if !out.isEmpty { out.append(TextLine([])) }
            out.append(TextLine([(scope.title, .paneTitle)]))
            for b in keymap.bindings where b.scope == scope {
                let keys = b.keys.map(\.description).joined(separator: " ")
                out.append(TextLine([("  " + keys.padding(toLength: max(16, keys.count + 1), withPad: " ", startingAt: 0), .key),
                                     (b.help, .normal)]))
            }
        }
        out.append(TextLine([]))
        out.append(TextLine([("Filter syntax", .paneTitle)]))
        for (example, meaning) in filterSyntax {
            out.append(TextLine([("  " + example.padding(toLength: 16, withPad: " ", startingAt: 0), .key), (meaning, .normal)]))
        }
        return out
    }

    static let filterSyntax: [(String, String)] = [
        ("text", "name, description or a label contains it (any case)"),
        ("!text", "leave those out (! inverts any filter)"),
        ("^regex", "regular expression; ^ and $ anchor at each field"),
        ("env=prod", "label equals (team!=search: differs or missing)"),
        ("region=~^us-", "label matches a regex (!~ does not)"),
        ("a=1,b=2,text", "all of them"),
    ]
}

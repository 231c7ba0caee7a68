/// A role with the user's traits applied and every pattern compiled, ready to match quickly.
struct CompiledRole: Sendable {
    let name: String
    let allow: CompiledConditions
    let deny: CompiledConditions

    init(_ role: Role, traits: Traits) throws(PatternError) {
        name = role.name
        allow = try CompiledConditions(role.allow, traits: traits)
        deny = try CompiledConditions(role.deny, traits: traits)
    }
}

struct CompiledConditions: Sendable {
    let labels: CompiledSelector
    let dbUsers: [ValuePattern]
    let dbNames: [ValuePattern]
    let redisCommands: [String]

    init(_ c: RoleConditions, traits: Traits) throws(PatternError) {
        redisCommands = c.redisCommands
        labels = try CompiledSelector(c.dbLabels, traits: traits)
        dbUsers = try TraitTemplate.expandAll(c.dbUsers, traits).map(Self.entryPattern)
        dbNames = try TraitTemplate.expandAll(c.dbNames, traits).map(Self.entryPattern)
    }

    /// `db_users`/`db_names` entries are exact or `*` in Teleport; Postern also accepts globs (`app_*`).
    /// A `^…$` entry is not a regular expression here: it is taken literally.
    private static func entryPattern(_ s: String) throws(PatternError) -> ValuePattern {
        // By scalar, as the glob is split: a star a combining mark follows is a star still.
        if s.unicodeScalars.contains("*") && !ValuePattern.isRegex(s) { return try ValuePattern(s) }
        return ValuePattern(literal: s)
    }
}

/// A label selector after trait expansion, following Teleport's `MatchLabels`.
struct CompiledSelector: Sendable {
    struct Entry: Sendable {
        let key: String
        let anyValue: Bool
        let values: [ValuePattern]
    }

    let isWildcard: Bool
    let entries: [Entry]
    /// Shown in explanations, e.g. `{env: [prod]}`.
    let summary: String

    init(_ selector: LabelSelector, traits: Traits) throws(PatternError) {
        var expanded: [String: [String]] = [:]
        for (key, values) in selector.entries {
            // As Teleport's applyLabelsTraits: a key takes its first expansion; a key or value whose
            // template yields nothing (missing trait, invalid template) becomes "", which no real
            // label key has, so such a key never matches (a `'*': '*'` alongside still does).
            let newKey = Self.expandLabel(key, traits).first ?? ""
            var list = expanded[newKey] ?? []
            // Compared as bytes, as label values are matched (see TraitTemplate.expandAll).
            for v in values.flatMap({ Self.expandLabel($0, traits) }) where !list.contains(where: { $0.utf8.elementsEqual(v.utf8) }) {
                list.append(v)
            }
            expanded[newKey] = list
        }
        isWildcard = LabelSelector(expanded).isWildcard
        var entries: [Entry] = []
        for key in expanded.keys.sorted() {
            let values = expanded[key] ?? []
            entries.append(Entry(key: key, anyValue: values.contains(LabelSelector.wildcard),
                                 values: try values.map { v throws(PatternError) in try ValuePattern(v) }))
        }
        self.entries = entries
        summary = "{" + expanded.keys.sorted().map { "\($0): \(expanded[$0] ?? [])" }.joined(separator: ", ") + "}"
    }

    /// One key or value of a selector with the user's traits applied; `[""]` when it yields nothing.
    private static func expandLabel(_ value: String, _ traits: Traits) -> [String] {
        let out = TraitTemplate.expandAll([value], traits)
        return out.isEmpty ? [""] : out
    }

    /// nil when the labels match; otherwise why not.
    func mismatch(_ labels: Labels) -> String? {
        if entries.isEmpty { return "empty selector matches nothing" }
        if isWildcard { return nil }
        for entry in entries {
            guard let value = labels[entry.key] else { return "no label \(quoted(entry.key))" }
            if entry.anyValue { continue }
            if !entry.values.contains(where: { $0.matches(value) }) {
                return "label \(quoted(entry.key))=\(quoted(value)) matches none of \(entry.values.map(\.source))"
            }
        }
        return nil
    }
}

/// A deny list compiled against a category table: every denied command name in one hash map, so
/// checking a command costs one lookup (two for a subcommand of a container such as CONFIG).
/// A non-empty list also denies scripting (EVAL, FCALL, FUNCTION LOAD, SCRIPT LOAD, MODULE), which
/// would otherwise run denied commands out of the relay's sight.
public struct RedisCommandPolicy: Sendable {
    public let rules: [RedisCommandRule]
    private let denied: [String: RedisCommandRule]
    /// Containers (`config`) some of whose subcommands (`config|set`) are denied.
    private let containers: Set<String>
    private let denyAll: RedisCommandRule?

    /// The first rule naming a command wins, so the message names the rule listed first.
    public init(rules: [RedisCommandRule], table: RedisCategoryTable) {
        self.rules = rules
        var denied: [String: RedisCommandRule] = [:]
        var all: RedisCommandRule?
        for rule in rules {
            switch rule.target {
            case .all:
                if all == nil { all = rule }
            case .command(let name):
                if denied[name] == nil { denied[name] = rule }
            case .category(let category):
                for name in table.commands(in: category) where denied[name] == nil { denied[name] = rule }
            }
        }
        self.denied = denied
        self.denyAll = all
        self.containers = Set(denied.keys.compactMap { key in
            key.firstIndex(of: "|").map { String(key[..<$0]) }
        })
    }

    /// Allows everything.
    public static let allowAll = RedisCommandPolicy(rules: [], table: RedisCategoryTable(commandsByCategory: [:], origin: .builtin))

    public var isEmpty: Bool { rules.isEmpty }

    /// The denial for a command, given its name and first argument (subcommands), any case.
    public func check(command: String, subcommand: String? = nil) -> RedisCommandDenial? {
        let name = command.lowercased()
        if let rule = denyAll ?? denied[name] { return RedisCommandDenial(command: name, rule: rule) }
        let full = subcommand.flatMap { sub in
            containers.contains(name) || Self.codeContainers.contains(name) ? name + "|" + sub.lowercased() : nil
        }
        if let full, let rule = denied[full] { return RedisCommandDenial(command: full, rule: rule) }
        // A script or module runs commands the relay never sees (`EVAL "return redis.call('FLUSHALL')" 0`),
        // so with any deny rule in force, code may not be run or loaded at all.
        guard let first = rules.first else { return nil }
        if Self.codeRunners.contains(name) { return RedisCommandDenial(command: name, rule: first, scripting: true) }
        if let full, Self.codeLoaders.contains(full) { return RedisCommandDenial(command: full, rule: first, scripting: true) }
        return nil
    }

    /// Commands that run server-side code, whose own commands no deny rule can check.
    public static let codeRunners: Set<String> = ["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "module"]
    /// Subcommands that load such code.
    public static let codeLoaders: Set<String> = ["function|load", "function|restore", "script|load"]
    static let codeContainers: Set<String> = ["function", "script"]

    /// `check` over a command's argv (its first two elements).
    public func check(argv: [String]) -> RedisCommandDenial? {
        guard let first = argv.first else { return nil }
        return check(command: first, subcommand: argv.count > 1 ? argv[1] : nil)
    }
}

/// A refused command and the rule that refused it.
public struct RedisCommandDenial: Sendable, Equatable {
    /// Lower-cased, `container|sub` for a subcommand.
    public var command: String
    public var rule: RedisCommandRule
    /// Refused as scripting (`codeRunners`, `codeLoaders`) because `rule`'s list applies, not by `rule` itself.
    public var scripting: Bool

    public init(command: String, rule: RedisCommandRule, scripting: Bool = false) {
        self.command = command
        self.rule = rule
        self.scripting = scripting
    }

    /// The text after `-`, in the form of Redis's own NOPERM errors.
    public var errorText: String {
        let why: String
        switch rule.target {
        case _ where scripting: why = "denied: scripting is denied while a deny list applies (\(rule.source))"
        case .command: why = "denied by \(rule.source)"
        case .category(let category): why = "in @\(category), denied by \(rule.source)"
        case .all: why = "denied by \(rule.source) (@all)"
        }
        return "NOPERM this command is not allowed by Postern policy: '\(command)' is \(why)"
    }
}

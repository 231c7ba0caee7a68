import ArgumentParser
import PosternCore
import PosternService

struct DBExplain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say whether you may connect to a database as a db user (and db name), and which rule decided.",
        discussion: "Exits 0 when allowed, 1 when denied."
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "Database name.")
    var name: String

    @Option(name: .customLong("db-user"), help: "Database user.")
    var dbUser: String

    @Option(name: .customLong("db-name"), help: "Database name inside the server (PostgreSQL; defaults to the db user).")
    var dbName: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        do {
            let decision: AccessDecision
            if let client = try BastionMode.client(options) {
                let reply = try BastionMode.ask(client, BastionRequest(op: .explain, db: name, dbUser: dbUser, dbName: dbName))
                guard let d = reply.decision else { throw CLIError("the Postern service sent no decision") }
                decision = d
            } else {
                let session = try options.session()
                guard let db = session.config.databases.first(where: { $0.name == name }) else {
                    throw CLIError("database \"\(name)\" not found")
                }
                decision = session.checker.check(db, dbUser: dbUser, dbName: dbName ?? "")
            }
            switch format {
            case .json: print(try JSONOutput.encode(decision))
            case .text: print(Self.text(decision))
            }
            if !decision.allowed { throw ExitCode(1) }
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }

    static func text(_ d: AccessDecision) -> String {
        var lines = [d.allowed ? "allowed" : "denied", "  rule:   \(d.rule)"]
        if let role = d.role { lines.append("  role:   \(role)") }
        lines.append("  reason: \(d.reason)")
        lines += d.details.map { "  - \($0)" }
        return lines.map(TextSanitizer.escape).joined(separator: "\n")
    }
}

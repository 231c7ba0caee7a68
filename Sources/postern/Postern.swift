import ArgumentParser

@main
struct Postern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postern",
        abstract: "Database access behind AWS IAM: list, explain and connect to the databases your roles permit.",
        subcommands: [Console.self, DB.self, Audit.self, Play.self, AWS.self, Proxy.self, Serve.self, Doctor.self],
        defaultSubcommand: Console.self
    )
}

struct DB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Databases you may reach.",
        subcommands: [DBList.self, DBExplain.self, DBConfigure.self]
    )
}

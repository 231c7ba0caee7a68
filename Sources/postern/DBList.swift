import ArgumentParser
import Foundation
import PosternCore
import PosternService

struct DBList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the databases your roles permit."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Only databases with these labels: key=value[,key2=value2].")
    var labels: String?

    @Option(help: "Only databases matching every comma-separated keyword (name, description, labels).")
    var search: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(name: .shortAndLong, help: "Show protocol, type and URI too.")
    var verbose = false

    func run() async throws {
        do {
            let query: DatabaseQuery
            do {
                query = try DatabaseQuery(labels: labels, search: search)
            } catch {
                throw CLIError(error.description)
            }
            let rows: [DatabaseListing]
            if let client = try BastionMode.client(options) {
                rows = try BastionMode.ask(client, BastionRequest(op: .list, labels: labels, search: search)).databases ?? []
            } else {
                let session = try options.session()
                let databases = await DiscoveryListing.databases(for: session.config)
                rows = DatabaseListing.list(databases, checker: session.checker, query: query)
            }
            switch format {
            case .text:
                print(DatabaseListing.table(rows, verbose: verbose), terminator: "")
            case .json:
                print(try JSONOutput.encode(rows))
            }
        } catch let e as CLIError {
            if format == .json, e.description.contains("is not in users:") { print("[]") }
            throw Self.fail(e)
        }
    }
}

enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

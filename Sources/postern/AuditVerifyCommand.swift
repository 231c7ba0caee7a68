import ArgumentParser
import Foundation
import PosternAudit
import PosternCore
import PosternService

/// `postern audit verify`: re-checks the store's per-session hash chains (AuditChain).
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit store's hash chains: exit 0 when intact, 1 naming the first record changed, removed, reordered or cut off.",
        discussion: """
            Every session's records are chained with SHA-256; the store keeps each session's last hash. \
            Reads the store and its journal without changing them. Exit 2 when the store cannot be checked. \
            With audit.shared configured, the shared store is checked (every bastion's records; --local for this one's). \
            On a bastion, operators ask the service (a role that reads every audit event is needed).
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Only this session (sid).")
    var sid: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(help: "With audit.shared configured: check this bastion's local store rather than the shared one.")
    var local = false

    func run() async throws {
        let report: AuditVerifyReport
        do {
            if let client = try BastionMode.client(options) {
                if local { throw CLIError("--local is for the store's owner: on a bastion the service checks the trail it reads") }
                let request = BastionRequest(op: .verify, audit: AuditQuery(sid: sid))
                guard let answer = try BastionMode.ask(client, request).verify else {
                    throw CLIError("the Postern service sent no verify report")
                }
                report = answer
            } else if !local, let shared = try await AuditCLI.withSharedAccess(options, { access -> AuditVerifyReport? in
                guard let access else { return nil }
                let reader = try await AuditCLI.sharedReader(access)
                return try AuditCLI.run { try reader.verify(session: sid) }
            }) {
                report = shared
            } else {
                let (config, path) = try AuditCLI.location(options)
                guard config.backend == .sqlite else {
                    throw CLIError("the audit store \(path) is jsonl, which carries no hash chains; audit verify checks the sqlite store")
                }
                report = try AuditCLI.run { try AuditVerifier.verify(storePath: path, session: sid) }
            }
        } catch let e as CLIError {
            _ = Self.fail(e)
            throw ExitCode(2)
        }
        switch format {
        case .text:
            for problem in report.problems { AuditCLI.writeLine(TextSanitizer.escape(problem.description)) }
            AuditCLI.writeLine(Self.summary(report))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(report)
            AuditCLI.writeLine(AuditJSON.terminalSafe(String(decoding: data, as: UTF8.self)))
        }
        if !report.intact { throw ExitCode(1) }
    }

    static func summary(_ r: AuditVerifyReport) -> String {
        var text = "\(r.sessions) session(s), \(r.records) chained event(s) (\(r.journalRecords) from the journal)"
        if r.unchained > 0 { text += ", \(r.unchained) written before chains (not checkable)" }
        return text + (r.intact ? ": intact" : ": \(r.problems.count) problem(s)")
    }
}

import ArgumentParser
import Foundation
import PosternAudit
import PosternCore
import PosternService

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Search and follow the audit log (Teleport's event JSON).",
        subcommands: [AuditSearchCommand.self, AuditTail.self, AuditVerifyCommand.self, AuditStatusCommand.self,
                      AuditInitShared.self, AuditShipCommand.self, AuditSelftestWrite.self]
    )
}

/// Filters shared by `audit search` and `audit tail`.
struct AuditFilterOptions: ParsableArguments {
    @Option(name: .customLong("type"), help: "Only events of this type, e.g. db.session.query (repeatable).")
    var types: [String] = []

    @Option(help: "Only this Postern user's events.")
    var user: String?

    @Option(name: .customLong("db"), help: "Only events of this database (db_service).")
    var database: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func search(since: AuditTime? = nil, until: AuditTime? = nil, limit: Int = 1000) throws -> AuditSearch {
        var set = Set<AuditEventType>()
        for t in types {
            guard let type = AuditEventType(rawValue: t) else {
                let known = AuditEventType.allCases.map(\.rawValue).joined(separator: ", ")
                throw CLIError("unknown event type \"\(t)\" (one of: \(known))")
            }
            set.insert(type)
        }
        return AuditSearch(since: since, until: until, types: set, user: user, database: database, limit: limit)
    }

    /// The same search as the bastion service takes it.
    static func query(_ s: AuditSearch) -> AuditQuery {
        AuditQuery(since: s.since?.nanoseconds, until: s.until?.nanoseconds, types: s.types.map(\.rawValue).sorted(),
                   user: s.user, db: s.database, sid: s.sessionID, limit: s.limit)
    }
}

struct AuditSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Print audit events, oldest first (the newest --limit of them).",
        discussion: "With audit.shared configured, every bastion's events are searched, each with its host."
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var filter: AuditFilterOptions

    @Option(help: "Only events since: a duration ago (90s, 15m, 1h, 7d, 1d12h) or an RFC 3339 time.")
    var since: String?

    @Option(help: "Only events before: a duration ago or an RFC 3339 time.")
    var until: String?

    @Option(help: "Session ID (sid).")
    var sid: String?

    @Option(help: "At most this many events (the newest).")
    var limit = 1000

    func run() async throws {
        do {
            guard limit >= 0 else { throw CLIError("--limit must be 0 or more, not \(limit)") }
            let now = AuditTime.now()
            var query = try filter.search(since: try since.map { try AuditCLI.time($0, now: now) },
                                          until: try until.map { try AuditCLI.time($0, now: now) }, limit: limit)
            query.sessionID = sid
            let events: [AuditEvent]
            if try BastionMode.client(options) == nil,
               let shared = try await AuditCLI.withSharedAccess(options, { access -> [SharedAuditEvent]? in
                   guard let access else { return nil }
                   let reader = try await AuditCLI.sharedReader(access)
                   return try AuditCLI.run { try reader.search(query) }
               })
            {
                try AuditCLI.print(shared, format: filter.format)
                return
            }
            if let client = try BastionMode.client(options) {
                let request = BastionRequest(op: .search, audit: AuditFilterOptions.query(query))
                let reply = try BastionMode.ask(client, request)
                events = reply.events ?? []
                if let shared = AuditCLI.hosted(events, hosts: reply.hosts) {
                    try AuditCLI.print(shared, format: filter.format)
                    return
                }
            } else {
                let store = try AuditCLI.openExisting(options)
                defer { try? store.close() }
                events = try AuditCLI.run { try store.search(query) }
            }
            switch filter.format {
            case .text: for e in events { AuditCLI.writeLine(AuditCLI.line(e)) }
            case .json: AuditCLI.writeLine(try AuditCLI.jsonArray(events))
            }
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }
}

struct AuditTail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print audit events as they are recorded, until interrupted.",
        discussion: """
            Events from every Postern process sharing the store appear; with audit.shared, every bastion's, each with \
            its host. json prints one object per line.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var filter: AuditFilterOptions

    func run() async throws {
        do {
            let query = try filter.search()
            if let client = try BastionMode.client(options) {
                return try tail(client, query)
            }
            let format = filter.format
            let followed: Bool = try await AuditCLI.withSharedAccess(options) { access in
                guard let access else { return false }
                let reader = try await AuditCLI.sharedReader(access)
                try AuditCLI.run {
                    try reader.follow { e in
                        guard query.matches(e.event) else { return true }
                        switch format {
                        case .text: AuditCLI.writeLine(AuditCLI.line(e))
                        case .json: AuditCLI.writeLine(try AuditCLI.jsonLine(e))
                        }
                        return true
                    }
                }
                return true
            }
            if followed { return }
            let store = try AuditCLI.open(options)
            let subscription = try AuditCLI.run { try store.subscribe() }
            for try await e in subscription where query.matches(e) {
                switch filter.format {
                case .text: AuditCLI.writeLine(AuditCLI.line(e))
                case .json: AuditCLI.writeLine(AuditJSON.terminalSafe(try e.jsonString()))
                }
            }
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }
}

extension AuditTail {
    /// The service streams the events this operator may read.
    private func tail(_ client: BastionClient, _ query: AuditSearch) throws {
        var failure: CLIError?
        do {
            try client.stream(BastionRequest(op: .tail, audit: AuditFilterOptions.query(query))) { line in
                do {
                    if let reason = SharedAuditEvent.serviceError(ofJSON: line) {
                        failure = CLIError("the service's tail ended: \(reason)")
                        return false
                    }
                    let e = try AuditEvent.decode(json: line)
                    // The service names each event's bastion (`postern_host`) when it reads a shared store.
                    let shared = SharedAuditEvent.host(ofJSON: line).map { SharedAuditEvent(host: $0, event: e) }
                    switch (filter.format, shared) {
                    case (.text, let shared?): AuditCLI.writeLine(AuditCLI.line(shared))
                    case (.json, let shared?): AuditCLI.writeLine(try AuditCLI.jsonLine(shared))
                    case (.text, nil): AuditCLI.writeLine(AuditCLI.line(e))
                    case (.json, nil): AuditCLI.writeLine(AuditJSON.terminalSafe(try e.jsonString()))
                    }
                    return true
                } catch {
                    failure = CLIError("an event from the service is unreadable: \(error)")
                    return false
                }
            }
        } catch {
            throw CLIError(error.description)
        }
        if let failure { throw failure }
    }
}

struct Play: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Print every event of a database session in order (as `tsh play` does)."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Output format: json (a JSON array, as tsh prints) or text.")
    var format: OutputFormat = .json

    @Argument(help: "Session ID (sid).")
    var sid: String

    /// A record that cannot be read is reported as damage, with the command that names it.
    static func readable<T>(_ damaged: CLIError, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as AuditStoreError {
            if case .corrupt = e { throw damaged }
            throw e
        }
    }

    func run() async throws {
        do {
            let events: [AuditEvent]
            if let client = try BastionMode.client(options) {
                let request = BastionRequest(op: .search, audit: AuditQuery(sid: sid, limit: 100_000))
                let reply = try BastionMode.ask(client, request)
                events = reply.events ?? []
                guard !events.isEmpty else { throw CLIError("session \(sid) not found among the audit events you may read") }
                if let shared = AuditCLI.hosted(events, hosts: reply.hosts) {
                    try AuditCLI.print(shared, format: format)
                    return
                }
            } else if let shared = try await AuditCLI.withSharedAccess(options, { access -> [SharedAuditEvent]? in
                guard let access else { return nil }
                let reader = try await AuditCLI.sharedReader(access)
                return try AuditCLI.run { try reader.session(sid) }
            }) {
                guard !shared.isEmpty else { throw CLIError("session \(sid) not found in the shared audit store") }
                try AuditCLI.print(shared, format: format)
                return
            } else {
                let store = try AuditCLI.openExisting(options)
                defer { try? store.close() }
                let damaged = CLIError("session \(sid) holds a damaged event in \(store.path): `postern audit verify --sid \(sid)` names it")
                if format == .json {
                    // The stored JSON laid out as JSONEncoder would: no decoding and re-encoding per event.
                    let stored = try AuditCLI.run { try Self.readable(damaged) { try store.sessionJSON(sid) } }
                    guard !stored.isEmpty else { throw CLIError("session \(sid) not found in \(store.path)") }
                    guard let pieces = AuditJSON.prettyArrayPieces(stored, terminalSafe: true) else { throw damaged }
                    return AuditCLI.writeLines(pieces)
                }
                events = try AuditCLI.run { try Self.readable(damaged) { try store.session(sid) } }
                guard !events.isEmpty else { throw CLIError("session \(sid) not found in \(store.path)") }
            }
            switch format {
            case .json: AuditCLI.writeLine(try AuditCLI.jsonArray(events))
            case .text: for e in events { AuditCLI.writeLine(AuditCLI.line(e)) }
            }
        } catch let e as CLIError {
            throw Self.fail(e)
        }
    }
}

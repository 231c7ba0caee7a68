import Foundation
import PosternAudit
import PosternCore
import PosternService

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the audit commands share: finding the store from the config, parsing times, printing.
enum AuditCLI {
    /// The store the config names (`audit:`), created if missing.
    static func open(_ options: ConfigOptions) throws -> AuditStore {
        let (config, path) = try location(options)
        return try run { try AuditStore(backend: config.backend, path: path, synchronous: config.synchronous) }
    }

    /// As `open`, but a store that does not exist yet is an error rather than created empty.
    static func openExisting(_ options: ConfigOptions) throws -> AuditStore {
        let (_, path) = try location(options)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no audit store at \(path) (nothing has been recorded yet)")
        }
        return try open(options)
    }

    static func location(_ options: ConfigOptions) throws -> (AuditConfig, String) {
        let file = ConfigLocation.resolve(flag: options.config, environment: ProcessEnvironment.current)
        let config: PosternConfig
        do {
            config = try ConfigLoader(fs: LocalFileSystem()).load(file).config
        } catch {
            throw CLIError(error.description)
        }
        return (config.audit, config.audit.resolvedPath(environment: ProcessEnvironment.current, home: homeDirectory()))
    }

    static func homeDirectory() -> String {
        if let home = ProcessEnvironment.current["HOME"], home.hasPrefix("/") { return home }
        if let pw = getpwuid(geteuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }

    /// Store errors become one-line CLI errors.
    static func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as CLIError {
            throw e
        } catch {
            throw CLIError(String(describing: error))
        }
    }

    /// `90s`, `15m`, `1h`, `7d` (or `1d12h`) ago, or an RFC 3339 time.
    static func time(_ text: String, now: AuditTime) throws -> AuditTime {
        if let t = AuditTime(rfc3339: text) { return t }
        let ago: Int64
        do {
            ago = try DurationText.nanoseconds(text, days: true)
        } catch .tooLong {
            throw CLIError("\"\(text)\" is too long a duration (at most 106751d, about 292 years)")
        } catch {
            throw CLIError("\"\(text)\" is neither a duration (90s, 15m, 1h, 7d) nor an RFC 3339 time (years 1678 to 2261)")
        }
        let (time, overflow) = now.nanoseconds.subtractingReportingOverflow(ago)
        guard !overflow else { throw CLIError("\"\(text)\" reaches back before 1678") }
        return AuditTime(nanoseconds: time)
    }

    /// `time event user db summary`, sanitised for the terminal.
    static func line(_ e: AuditEvent) -> String {
        let db = e.database.service.isEmpty ? "-" : e.database.service
        return TextSanitizer.escape("\(e.time.rfc3339) \(e.type.rawValue) \(e.user) \(db) \(e.summary)")
    }

    static func jsonArray(_ events: [AuditEvent]) throws -> String {
        AuditJSON.terminalSafe(String(decoding: try AuditJSON.encoder(pretty: true).encode(events), as: UTF8.self))
    }

    /// Unbuffered, so `tail` shows each event at once even into a pipe.
    static func writeLine(_ s: String) {
        FileHandle.standardOutput.write(Data((s + "\n").utf8))
    }

    /// Pieces that make up one line of output, then its newline, in writes of a MiB or so (a long
    /// `play` is not copied into one buffer first).
    static func writeLines(_ pieces: [[UInt8]]) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        for piece in pieces {
            buffer += piece
            if buffer.count >= 1 << 20 {
                FileHandle.standardOutput.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        buffer.append(10)
        FileHandle.standardOutput.write(Data(buffer))
    }
}

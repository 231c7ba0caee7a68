import ArgumentParser
import PosternCore
import PosternService

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options every command that reads the config takes.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (default: $POSTERN_CONFIG, else /etc/postern/postern.yaml).")
    var config: String?

    @Option(name: .customLong("as"), help: "Act as this Postern user (root or the config's owner only).")
    var asUser: String?

    /// Loads the config and resolves who is asking; prints one clear line and exits on failure.
    /// The config as a source that follows changes to its files (tunnels and the console).
    func source() throws -> ConfigSource {
        do {
            return try ConfigSource(path: ConfigLocation.resolve(flag: config, environment: ProcessEnvironment.current))
        } catch {
            throw CLIError(error.description)
        }
    }

    /// `loaded`: a config already read (a tunnel keeps it in a `ConfigSource` to follow changes).
    func session(_ preloaded: ConfigLoader.Loaded? = nil) throws -> CommandSession {
        let loaded: ConfigLoader.Loaded
        if let preloaded {
            loaded = preloaded
        } else {
            let path = ConfigLocation.resolve(flag: config, environment: ProcessEnvironment.current)
            do {
                loaded = try ConfigLoader(fs: LocalFileSystem()).load(path)
            } catch {
                throw CLIError(error.description)
            }
        }
        let request = IdentityRequest(login: LocalIdentity.login(), effectiveUID: geteuid(),
                                      configOwnerUID: loaded.ownerUID, requestedAs: asUser)
        do {
            let user = try Identity.resolve(request, in: loaded.config)
            let checker = try loaded.config.accessChecker(for: user)
            return CommandSession(config: loaded.config, user: user, checker: checker)
        } catch let e as IdentityError {
            throw CLIError(e.description)
        } catch let e as ConfigError {
            throw CLIError(e.description)
        }
    }
}

struct CommandSession {
    let config: PosternConfig
    let user: PosternUser
    let checker: AccessChecker
}

/// A failure reported as one line on stderr with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

extension ParsableCommand {
    /// Prints `postern: message` (sanitised) and exits 1; ArgumentParser's own errors are left to it.
    static func fail(_ error: CLIError) -> ExitCode {
        StandardError.write("postern: " + TextSanitizer.escape(error.description) + "\n")
        return ExitCode(1)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

import Foundation
import PosternService

#if canImport(Glibc)
import Glibc
#endif

/// Bastion mode on the operator's side: when the Postern service runs on this host, the CLI asks it
/// and reads no config or secret itself.
enum BastionMode {
    /// The service's client, or nil in single-user mode. A socket named by `POSTERN_SOCKET` is
    /// always used; the default socket is, except for root and the service's own user (who
    /// administer the host with `--config`).
    static func client(_ options: ConfigOptions? = nil) throws -> BastionClient? {
        let environment = ProcessEnvironment.current
        guard let client = BastionClient.locate(environment: environment) else { return nil }
        let explicit = !(environment["POSTERN_SOCKET"] ?? "").isEmpty
        if !explicit {
            var st = stat()
            let euid = geteuid()
            if euid == 0 || (stat(client.socketPath, &st) == 0 && st.st_uid == euid) { return nil }
        }
        if let options, options.config != nil || options.asUser != nil {
            throw CLIError("this host runs the Postern service (\(client.socketPath)): --config and --as are refused; the service knows who you are and what your roles permit")
        }
        return client
    }

    /// A request whose refusal becomes a one-line CLI error.
    static func ask(_ client: BastionClient, _ request: BastionRequest) throws -> BastionReply {
        let reply: BastionReply
        do {
            reply = try client.send(request)
        } catch {
            throw CLIError(error.description)
        }
        guard reply.ok else { throw CLIError(reply.error ?? "the Postern service refused") }
        return reply
    }

    /// Why an AWS command is not offered to operators.
    static func refuseAWS(_ what: String) throws {
        guard let client = try client() else { return }
        throw CLIError("\(what) is not offered in bastion mode: the Postern service (\(client.socketPath)) holds the AWS credentials, and operators reach databases only through it")
    }
}

import ArgumentParser
import Foundation
import PosternCore
import PosternService

#if canImport(Glibc)
import Glibc
#endif

/// `postern doctor --bastion`: what an operator can check of a bastion deployment from their own
/// seat: the service answers and knows them, and the things they must not read or reach, they
/// cannot.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this host's Postern deployment from where you sit.",
        discussion: "Exits 0 when every check passes, 1 otherwise."
    )

    @Flag(help: "Check the bastion service: it answers, who it thinks you are, that you cannot read its config's secrets or its audit store, that the instance metadata service is blocked for you, the config's owner and mode.")
    var bastion = false

    func run() async throws {
        guard bastion else {
            throw ValidationError("say what to check: --bastion")
        }
        var report = DoctorReport()
        guard let client = try? BastionMode.client() else {
            report.fail("service", "no Postern service on this host (no \(ServeConfig.defaultSocket), POSTERN_SOCKET unset)")
            print(report.text)
            throw ExitCode(1)
        }
        let reply: BastionReply
        do {
            reply = try client.send(BastionRequest(op: .whoami))
        } catch {
            report.fail("service", error.description)
            print(report.text)
            throw ExitCode(1)
        }
        report.pass("service", "answers at \(client.socketPath)")
        guard reply.ok, let me = reply.whoami else {
            report.fail("identity", reply.error ?? "no answer")
            print(report.text)
            throw ExitCode(1)
        }
        if me.user.isEmpty {
            report.fail("identity", "you are login \(me.login) (uid \(me.uid)), which is not in the service's users:")
        } else {
            report.pass("identity", "login \(me.login) (uid \(me.uid)) is Postern user \(me.user), roles \(me.roles.joined(separator: ", "))"
                + (me.readsAllAudit ? "; reads every user's audit" : "; reads only your own audit events"))
        }
        if let d = me.deployment {
            let owner = d.configOwnerUID == 0 ? "root" : LocalIdentity.login(uid: d.configOwnerUID) ?? "uid \(d.configOwnerUID)"
            let mode = String(d.configMode, radix: 8)
            if d.configMode & 0o022 == 0, d.configOwnerUID == 0 || owner == "postern" {
                report.pass("config", "\(d.configPath) owned by \(owner), mode \(mode)")
            } else {
                report.fail("config", "\(d.configPath) owned by \(owner), mode \(mode): must be root or postern, not writable by others")
            }
            for path in [d.configPath] + d.secretFiles + [d.storePath, d.storePath + ".journal"] {
                if let problem = Self.readable(path) {
                    report.fail("no access", "you can read \(path) (\(problem))")
                } else {
                    report.pass("no access", "you cannot read \(path)")
                }
            }
        }
        let imds = ProcessEnvironment.current["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        switch IMDSProbe.reach(imds) {
        case .blocked(let why): report.pass("IMDS", "\(imds) is blocked for you (\(why))")
        case .reached: report.fail("IMDS", "\(imds) answers you: add the owner rule that keeps it to the postern user (scripts/install-bastion prints it)")
        case .unknown(let why): report.fail("IMDS", "cannot tell: \(why)")
        }
        print(report.text)
        if report.failed { throw ExitCode(1) }
    }

    /// Why `path` is readable by this process, or nil when it is not (or does not exist).
    static func readable(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        close(fd)
        return "open for reading succeeded"
    }
}

struct DoctorReport {
    private var lines: [String] = []
    private(set) var failed = false

    mutating func pass(_ check: String, _ detail: String) { lines.append("ok    \(check): \(detail)") }

    mutating func fail(_ check: String, _ detail: String) {
        failed = true
        lines.append("FAIL  \(check): \(detail)")
    }

    var text: String { lines.map(TextSanitizer.escape).joined(separator: "\n") }
}

/// Whether a TCP connection to the metadata endpoint gets through (within a second).
enum IMDSProbe {
    enum Outcome { case blocked(String), reached, unknown(String) }

    static func reach(_ endpoint: String) -> Outcome {
        guard let url = URL(string: endpoint), let host = url.host else { return .unknown("\(endpoint) is not a URL") }
        let port = url.port ?? 80
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else {
            return .unknown("\(host) is not a numeric address")
        }
        defer { freeaddrinfo(info) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .unknown("no socket") }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 { return .reached }
        guard errno == EINPROGRESS else { return .blocked(String(cString: strerror(errno))) }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&pfd, 1, 1000) == 1 else { return .blocked("no answer within a second") }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error == 0 ? .reached : .blocked(String(cString: strerror(error)))
    }
}

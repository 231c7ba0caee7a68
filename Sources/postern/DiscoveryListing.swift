import Foundation
import PosternAWS
import PosternCore

/// The databases a one-shot command lists: the config's, plus one discovery pass when the config
/// has `discovery:`. Discovery problems are reported on stderr and never stop the listing.
enum DiscoveryListing {
    static let timeout: Duration = .seconds(20)

    static func databases(for config: PosternConfig, timeout: Duration = timeout) async -> [Database] {
        guard !config.discovery.isEmpty else { return config.databases }
        let matchers = config.discovery.aws
        let snapshot = await firstOf(timeout: timeout) {
            try? await AWSHTTPTransport.with { transport in
                let environment = ProcessEnvironment.current
                let chain = AWSCredentialChain(environment: environment, transport: transport,
                                               fallbackRegion: matchers.first?.regions.first)
                let clients = AWSDiscoveryClientFactory(base: chain, environment: environment, transport: transport)
                return await AWSDiscovery(matchers: matchers, clients: clients).discover()
            }
        }
        guard let finished = snapshot else {
            report("AWS discovery did not finish within \(timeout.components.seconds)s; listing configured databases only")
            return config.databases
        }
        guard let found = finished else {
            report("AWS discovery could not run; listing configured databases only")
            return config.databases
        }
        for failure in found.failures { report("AWS discovery: \(failure)") }
        let inventory = found.inventory(static: config.databases)
        for hidden in inventory.shadowed {
            report("AWS discovery: \(hidden.name) (\(hidden.uri)) is hidden by a configured database of the same name")
        }
        return inventory.databases
    }

    static func report(_ line: String) {
        StandardError.write("postern: " + TextSanitizer.escape(line) + "\n")
    }

    /// The result of `work`, or nil when `timeout` passes first; `work` is left to finish on its
    /// own (the process is about to print and exit).
    static func firstOf<T: Sendable>(timeout: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
        let gate = Gate()
        return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            Task {
                let value = await work()
                if await gate.open() { continuation.resume(returning: value) }
            }
            Task {
                try? await Task.sleep(for: timeout)
                if await gate.open() { continuation.resume(returning: nil) }
            }
        }
    }

    /// Lets exactly one of the racers resume the continuation.
    actor Gate {
        private var opened = false
        func open() -> Bool {
            defer { opened = true }
            return !opened
        }
    }
}

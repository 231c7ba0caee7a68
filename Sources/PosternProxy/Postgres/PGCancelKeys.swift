import NIOConcurrencyHelpers

/// Maps the (pid, key) the proxy gave each client in its BackendKeyData to the real upstream
/// backend, so a CancelRequest (which arrives on a new connection) reaches the right server.
/// One table per proxy assembly (`ProxyAssembly` hands it to every `PostgresEngine` it builds):
/// a cancel must still find its session after the bastion rebuilds a database's server.
public final class PGCancelKeys: Sendable {
    private struct Entry: Sendable {
        let key: Int32
        let target: PGCancelTarget
    }

    private let entries = NIOLockedValueBox<[Int32: Entry]>([:])

    public init() {}

    /// Registers `target` under a fresh client-visible (pid, key).
    func register(_ target: PGCancelTarget) -> (pid: Int32, key: Int32) {
        entries.withLockedValue { table in
            var pid: Int32
            repeat { pid = Int32.random(in: 1...Int32.max) } while table[pid] != nil
            let key = Int32.random(in: .min ... .max)
            table[pid] = Entry(key: key, target: target)
            return (pid, key)
        }
    }

    func remove(pid: Int32) {
        _ = entries.withLockedValue { $0.removeValue(forKey: pid) }
    }

    /// The target for (pid, key); nil unless both match.
    func lookup(pid: Int32, key: Int32) -> PGCancelTarget? {
        entries.withLockedValue { table in
            guard let entry = table[pid], entry.key == key else { return nil }
            return entry.target
        }
    }
}

/// Where a client-visible (pid, key) really points.
struct PGCancelTarget: Sendable {
    let upstream: UpstreamTarget
    let pid: Int32
    let key: Int32
    let session: ProxySessionContext
}

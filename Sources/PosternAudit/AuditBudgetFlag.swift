import Synchronization

/// Whether the local backlog is over `audit.disk_budget`, and why: a flag read on every gated
/// commit (one atomic load while under budget), set about once a second by the budget check.
final class AuditBudgetFlag: Sendable {
    private let over = Atomic<Bool>(false)
    private let why = Mutex<String?>(nil)

    var reason: String? {
        guard over.load(ordering: .acquiring) else { return nil }
        return why.withLock { $0 }
    }

    func set(_ reason: String?) {
        why.withLock { $0 = reason }
        over.store(reason != nil, ordering: .releasing)
    }
}

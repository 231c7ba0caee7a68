import PosternCore

/// What a client is told when what it sent could not be audited, and so was not sent on: that the
/// audit record could not be written, and whether for a full disk (then it passes once space
/// returns). The store's own error stays out of it: it names files.
struct AuditRefusal {
    let diskFull: Bool
    let message: String

    /// `consequence`: what happened instead, e.g. "the statement was not sent; the session ends".
    /// The local backlog is at its budget: the record could be written, but the statement is refused.
    init(budget reason: String, _ consequence: String) {
        diskFull = true
        message = reason + ", so " + consequence
    }

    init(_ error: any Error, _ consequence: String) {
        diskFull = (error as? any AuditStoreFault)?.isDiskFull == true
        message = "the audit record could not be written" + (diskFull ? " (the audit store's disk is full)" : "")
            + ", so " + consequence
    }
}

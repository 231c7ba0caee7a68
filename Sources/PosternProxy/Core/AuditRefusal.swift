import PosternCore

/// What a client is told when what it sent could not be audited, and so was not sent on: that the
/// audit record could not be written, and whether for a full disk (then it passes once space
/// returns). The store's own error stays out of it: it names files.
struct AuditRefusal {
    let diskFull: Bool
    let message: String

    /// `consequence`: what happened instead, e.g. "the statement was not sent; the session ends".
    init(_ error: any Error, _ consequence: String) {
        diskFull = (error as? any AuditStoreFault)?.isDiskFull == true
        message = "the audit record could not be written" + (diskFull ? " (the audit store's disk is full)" : "")
            + ", so " + consequence
    }
}

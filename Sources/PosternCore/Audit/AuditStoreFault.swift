/// An audit store's error that can say the store's disk (or quota) is full. The proxy tells the
/// client so (PostgreSQL's 53100, disk_full): the statement is not at fault, and the same one
/// goes through once space returns.
public protocol AuditStoreFault: Error {
    var isDiskFull: Bool { get }
}

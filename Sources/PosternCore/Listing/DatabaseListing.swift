/// One row of `db ls`: what the user may see of a database and which db users they may use.
public struct DatabaseListing: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    public var `protocol`: String
    public var type: String
    public var uri: String
    public var labels: Labels
    public var allowedUsers: [String]
    public var deniedUsers: [String]

    enum CodingKeys: String, CodingKey {
        case name, description, `protocol`, type, uri, labels
        case allowedUsers = "allowed_users"
        case deniedUsers = "denied_users"
    }

    public init(_ db: Database, users: AllowedUsers) {
        name = db.name
        description = db.description
        self.protocol = db.protocol.rawValue
        type = db.type.rawValue
        uri = db.uri
        labels = db.labels
        allowedUsers = users.allowed
        deniedUsers = users.denied
    }

    var allowedUsersDisplay: String { AllowedUsers(allowed: allowedUsers, denied: deniedUsers).display }

    /// `k=v` pairs sorted by key, comma-separated, as tsh prints them.
    var labelsDisplay: String {
        labels.keys.sorted().map { "\($0)=\(labels[$0] ?? "")" }.joined(separator: ",")
    }

    /// The databases a user may see, filtered and sorted by name.
    public static func list(_ databases: [Database], checker: AccessChecker, query: DatabaseQuery) -> [DatabaseListing] {
        databases
            .filter { checker.canSee($0) && query.matches($0) }
            .sorted { $0.name < $1.name }
            .map { DatabaseListing($0, users: checker.allowedUsers($0)) }
    }

    /// The text table of `db ls`; `verbose` adds Protocol, Type and URI. Every cell is sanitised.
    public static func table(_ rows: [DatabaseListing], verbose: Bool) -> String {
        var headers = ["Name", "Description"]
        if verbose { headers += ["Protocol", "Type", "URI"] }
        headers += ["Allowed Users", "Labels"]
        let cells = rows.map { r -> [String] in
            var c = [r.name, r.description]
            if verbose { c += [r.protocol, r.type, r.uri] }
            return c + [r.allowedUsersDisplay, r.labelsDisplay]
        }
        return TextTable(headers: headers, rows: cells).render()
    }
}
